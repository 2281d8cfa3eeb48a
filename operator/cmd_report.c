#include "operator/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kafka/kafka.h"
#include "pkg/kafka/usage.h"
#include "pkg/report/report.h"
#include "pkg/base/banned.h"

static const char usage[] =
    "usage: specmesh report storage|consumption [--domain ID] [-o text|json|csv]\n"
    "                       [connection flags]\n\n"
    "What data products cost and who reads them, read from Kafka.\n\n"
    "  storage       bytes on disk per topic and per domain: every replica of every partition\n"
    "                (DescribeLogDirs, asked of each broker), and the leader replicas only\n"
    "  consumption   per topic, the consumer groups with committed offsets on it, their lag\n"
    "                (high watermark - committed offset, summed over partitions) and the\n"
    "                domain and principal each group belongs to (the owner of its prefix)\n\n"
    "  --domain ID           only the topics of this domain (a.b.c or urn:a:b:c)\n"
    "  -o, --output FORMAT   text (default), json or csv\n\n"
    "The connection's principal needs DESCRIBE on the cluster (log dirs, ACLs) and on the\n"
    "groups and topics it reports.\n\n";

static int run(const char *what, const char *domain, int fmt, const struct cli_conn *conn)
{
        struct kafka *k = NULL;
        struct report r;
        struct buf out;
        struct err err;
        int rc = -1;

        err_clear(&err);
        report_init(&r);
        buf_init(&out, (size_t)256 << 20);
        k = kafka_open(conn->kafka_config, conn->bootstrap, &err);
        if (k && strcmp(what, "storage") == 0)
                rc = kafka_usage_storage(k, domain, &r, &err);
        else if (k)
                rc = kafka_usage_consumption(k, domain, &r, &err);
        if (rc == 0) {
                rc = strcmp(what, "storage") == 0 ? report_render_storage(&r, fmt, &out)
                                                  : report_render_consumption(&r, fmt, &out);
                if (rc < 0)
                        err_set(&err, ERR_NOMEM, "the report is larger than 256 MiB");
        }
        if (rc == 0)
                fwrite(out.data, 1, out.len, stdout);
        else
                fprintf(stderr, "specmesh report %s: %s\n", what, err.msg);
        buf_release(&out);
        report_release(&r);
        kafka_close(k);
        return rc == 0 ? EXIT_OK : EXIT_ERROR;
}

/* "urn:a:b:c" or "a.b.c" -> "a.b.c"; caller frees. */
static char *domain_of(const char *id)
{
        if (str_starts_with(id, "urn:"))
                return str_replace_char(str_dup(id + 4), ':', '.');
        return str_dup(id);
}

int cmd_report(int argc, char **argv)
{
        static const struct option opts[] = {
            {"domain", required_argument, NULL, 'd'},
            {"output", required_argument, NULL, 'o'},
            {"help", no_argument, NULL, 'h'},
            CLI_CONN_OPTIONS,
            {NULL, 0, NULL, 0},
        };
        const char *id = NULL, *what;
        int fmt = REPORT_TEXT, opt, rc;
        struct cli_conn conn;
        char *domain;

        cli_conn_from_env(&conn);
        optind = 1;
        while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
                if (cli_conn_flag(&conn, opt, optarg))
                        continue;
                if (opt == 'd') {
                        id = optarg;
                } else if (opt == 'o') {
                        fmt = report_format_parse(optarg);
                        if (fmt < 0) {
                                fprintf(stderr, "specmesh report: -o %s: use text, json or csv\n",
                                        optarg);
                                return EXIT_ERROR;
                        }
                } else if (opt == 'h') {
                        printf("%s%s", usage, cli_conn_help);
                        return EXIT_OK;
                } else {
                        fprintf(stderr, "%s%s", usage, cli_conn_help);
                        return EXIT_ERROR;
                }
        }
        what = optind + 1 == argc ? argv[optind] : NULL;
        if (!what || (strcmp(what, "storage") != 0 && strcmp(what, "consumption") != 0)) {
                fprintf(stderr, "specmesh report: say storage or consumption\n%s", usage);
                return EXIT_ERROR;
        }
        domain = id ? domain_of(id) : NULL;
        rc = run(what, domain, fmt, &conn);
        free(domain);
        return rc;
}
