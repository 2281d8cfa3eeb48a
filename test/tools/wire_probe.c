/*
 * wire_probe: drives the DescribeLogDirs and SCRAM-credential codecs of pkg/kafka's own
 * protocol client against a real broker (e2e/tests/30_reports.sh, 35_credentials.sh), so that
 * their frames can be captured through test/tools/kafka_relay.py. PROPS is a librdkafka-style
 * properties file; the connection goes to its bootstrap.servers.
 *
 *   wire_probe PROPS logdirs [PREFIX]    "topic partition size" per replica log on that broker
 *   wire_probe PROPS scram USER          the SCRAM mechanisms USER has, one per line, or "none"
 *
 * Errors go to stderr as "error: <kind>: <message>"; exit status 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/kafka/logdirs.h"
#include "pkg/kwire/props.h"
#include "pkg/kwire/quota.h"
#include "pkg/kafka/scramcred.h"

static int logdirs(struct kconn *c, const char *prefix, struct err *err)
{
        struct vec out = VEC_INIT;
        int rc = kafka_logdirs(c, 0, &out, err);

        for (size_t i = 0; rc == 0 && i < out.len; i++) {
                const struct logdir_entry *e = out.items[i];
                if (!prefix || str_starts_with(e->topic, prefix))
                        printf("%s %d %lld%s\n", e->topic, (int)e->partition, (long long)e->size,
                               e->future ? " future" : "");
        }
        vec_release(&out, logdir_entry_free);
        return rc;
}

static int scram(struct kconn *c, const char *user, struct err *err)
{
        unsigned mechs = 0;

        if (kafka_scram_describe(c, user, &mechs, err) < 0)
                return -1;
        if (!mechs)
                printf("none\n");
        for (int m = SCRAM_MECH_SHA_256; m <= SCRAM_MECH_SHA_512; m++)
                if (mechs & (1u << m))
                        printf("%s\n", scramcred_mech_name(m));
        return 0;
}

int main(int argc, char **argv)
{
        struct kprops p;
        struct kconn *c = NULL;
        struct err err;
        int rc = -1;

        if (argc < 3 || (strcmp(argv[2], "scram") == 0 && argc != 4)) {
                fprintf(stderr, "usage: wire_probe PROPS logdirs [PREFIX] | scram USER\n");
                return 2;
        }
        err_clear(&err);
        kprops_init(&p);
        if (kprops_load(&p, argv[1], &err) == 0)
                c = kconn_open(&p, 10000, &err);
        if (c && strcmp(argv[2], "logdirs") == 0)
                rc = logdirs(c, argc > 3 ? argv[3] : NULL, &err);
        else if (c && strcmp(argv[2], "scram") == 0)
                rc = scram(c, argv[3], &err);
        else if (c)
                err_set(&err, ERR_INVALID, "unknown command '%s'", argv[2]);
        if (rc < 0)
                fprintf(stderr, "error: %s: %s\n", err_kind_name(err.kind), err.msg);
        kconn_close(c);
        kprops_release(&p);
        return rc < 0 ? 1 : 0;
}
