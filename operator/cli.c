#include "operator/cli.h"

#include <stdlib.h>

#include "pkg/base/banned.h"

const char cli_conn_help[] =
    "Connection:\n"
    "  --kafka-config FILE       librdkafka properties (bootstrap.servers, security.protocol,\n"
    "                            sasl.*, ssl.*); default $SPECMESH_KAFKA_CONFIG\n"
    "  --bootstrap-server HOST:PORT  overrides bootstrap.servers from the file\n"
    "  --registry-url URL        Confluent-compatible schema registry base URL;\n"
    "                            default $SPECMESH_REGISTRY_URL\n"
    "  --registry-config FILE    registry properties with Confluent's key names\n"
    "                            (schema.registry.url, basic.auth.user.info, bearer.auth.token,\n"
    "                            schema.registry.ssl.*); default $SPECMESH_REGISTRY_CONFIG.\n"
    "                            Secrets belong in these files, never on the command line\n";

void cli_conn_from_env(struct cli_conn *c)
{
        c->kafka_config = getenv("SPECMESH_KAFKA_CONFIG");
        c->bootstrap = NULL;
        c->registry_url = getenv("SPECMESH_REGISTRY_URL");
        c->registry_config = getenv("SPECMESH_REGISTRY_CONFIG");
}

int cli_conn_flag(struct cli_conn *c, int opt, const char *arg)
{
        switch (opt) {
        case OPT_KAFKA_CONFIG:
                c->kafka_config = arg;
                return 1;
        case OPT_BOOTSTRAP:
                c->bootstrap = arg;
                return 1;
        case OPT_REGISTRY_URL:
                c->registry_url = arg;
                return 1;
        case OPT_REGISTRY_CONFIG:
                /* a file named on the command line beats a URL from the environment */
                if (c->registry_url && c->registry_url == getenv("SPECMESH_REGISTRY_URL"))
                        c->registry_url = NULL;
                c->registry_config = arg;
                return 1;
        }
        return 0;
}
