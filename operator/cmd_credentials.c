#include "operator/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kafka/kafka.h"
#include "pkg/kafka/scramcred.h"
#include "pkg/base/banned.h"

static const char usage[] =
    "usage: specmesh credentials create|rotate|delete --domain ID [-o FILE]\n"
    "                            [--mechanism SCRAM-SHA-512|SCRAM-SHA-256] [connection flags]\n\n"
    "The SCRAM credential of a data product's principal User:<domain>, for applications\n"
    "without Kubernetes (the operator keeps it in a Secret instead).\n\n"
    "  create    a new random password; refused when the credential exists (use rotate)\n"
    "  rotate    a new random password: the old one stops working at once\n"
    "  delete    remove the credential (the principal can no longer authenticate with it)\n\n"
    "  --domain ID           the product's domain (a.b.c or urn:a:b:c): the user is a.b.c\n"
    "  --mechanism M         SCRAM-SHA-512 (default) or SCRAM-SHA-256\n"
    "  -o, --output FILE     create/rotate: where the client properties go, mode 0600, written\n"
    "                        before the credential changes and replaced atomically (required)\n\n"
    "The file holds username, password, bootstrap.servers, security.protocol and\n"
    "sasl.mechanism + sasl.jaas.config for Java clients, and the same for librdkafka clients\n"
    "as '#librdkafka: ' lines (sed -n 's/^#librdkafka: //p' FILE > client.properties).\n"
    "The password is never printed. The connection's principal needs ALTER on the cluster.\n\n";

struct opts {
        const char *verb, *id, *output;
        int mech;
};

/* The file's text; caller wipes and frees. */
static char *render(const struct kafka *k, const char *user, int mech, const char *password)
{
        const char *boot = kafka_config_get(k, "bootstrap.servers");
        const char *proto = kafka_config_get(k, "security.protocol");
        char *java = scramcred_properties(true, mech, user, password, boot, proto);
        char *rd = scramcred_properties(false, mech, user, password, boot, proto);
        struct buf b;
        time_t now = time(NULL);
        char when[32];

        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
        buf_init(&b, 64 * 1024);
        buf_printf(&b, "# SCRAM credential of User:%s (%s), written by specmesh at %s\n", user,
                   scramcred_mech_name(mech), when);
        buf_printf(&b, "username=%s\npassword=%s\n", user, password);
        buf_puts(&b, "# Java clients (Kafka's console tools, Kafka Streams, Spring Kafka)\n");
        buf_puts(&b, java ? java : "");
        buf_puts(&b, "# librdkafka clients (kcat -F, confluent-kafka-python/go/.NET)\n");
        for (char *line = rd, *nl; line && *line; line = nl + 1) {
                nl = strchr(line, '\n');
                if (!nl)
                        break;
                buf_printf(&b, "#librdkafka: %.*s\n", (int)(nl - line), line);
        }
        if (java)
                OPENSSL_cleanse(java, strlen(java));
        if (rd)
                OPENSSL_cleanse(rd, strlen(rd));
        free(java);
        free(rd);
        if (b.failed || !java || !rd) {
                if (b.data)
                        OPENSSL_cleanse(b.data, b.len);
                buf_release(&b);
                return NULL;
        }
        return buf_detach(&b, NULL);
}

/* Write `text` to a fresh 0600 file next to `path`; its name into tmp (caller frees). */
static int write_temp(const char *path, const char *text, char **tmp, struct err *err)
{
        size_t n = strlen(text), off = 0;
        int fd;

        *tmp = str_printf("%s.tmp-XXXXXX", path);
        if (!*tmp)
                return err_nomem(err);
        fd = mkstemp(*tmp); /* mode 0600, whatever the umask */
        if (fd < 0)
                return err_set(err, ERR_INVALID, "cannot create %s: %s", *tmp, strerror(errno));
        while (off < n) {
                ssize_t w = write(fd, text + off, n - off);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        break;
                off += (size_t)w;
        }
        if (off < n || fsync(fd) < 0 || close(fd) < 0) {
                err_set(err, ERR_INVALID, "cannot write %s: %s", *tmp, strerror(errno));
                unlink(*tmp);
                return -1;
        }
        return 0;
}

/*
 * create/rotate: the new password goes to a temporary file first, then the credential is
 * altered, then the file replaces FILE. A failed alteration leaves FILE (and the credential)
 * as they were.
 */
static int set_password(struct kafka *k, const struct opts *o, const char *user, struct err *err)
{
        char *password = scramcred_random_password(err), *text = NULL, *tmp = NULL;
        int rc = -1;

        if (!password)
                return -1;
        text = render(k, user, o->mech, password);
        if (!text)
                err_nomem(err);
        else if (write_temp(o->output, text, &tmp, err) == 0) {
                if (kafka_credential_set(k, user, o->mech, password, err) < 0)
                        unlink(tmp);
                else if (rename(tmp, o->output) < 0)
                        err_set(err, ERR_INVALID,
                                "the credential changed but %s could not replace %s: %s", tmp,
                                o->output, strerror(errno));
                else
                        rc = 0;
        }
        OPENSSL_cleanse(password, strlen(password));
        if (text)
                OPENSSL_cleanse(text, strlen(text));
        free(password);
        free(text);
        free(tmp);
        return rc;
}

static int act(struct kafka *k, const struct opts *o, const char *user, struct err *err)
{
        unsigned have = 0;

        if (kafka_credential_mechs(k, user, &have, err) < 0)
                return -1;
        if (strcmp(o->verb, "delete") == 0) {
                if (kafka_credential_delete(k, user, o->mech, err) < 0)
                        return -1;
                printf("%s: %s of User:%s\n", (have & (1u << o->mech)) ? "deleted" : "not there",
                       scramcred_mech_name(o->mech), user);
                return 0;
        }
        if (strcmp(o->verb, "create") == 0 && (have & (1u << o->mech)))
                return err_set(err, ERR_CONFLICT,
                               "User:%s already has a %s credential: use 'credentials rotate'",
                               user, scramcred_mech_name(o->mech));
        if (set_password(k, o, user, err) < 0)
                return -1;
        printf("%s: %s of User:%s, written to %s (mode 0600)\n",
               strcmp(o->verb, "create") == 0 ? "created" : "rotated", scramcred_mech_name(o->mech),
               user, o->output);
        return 0;
}

static int run(const struct opts *o, const struct cli_conn *conn)
{
        struct kafka *k = NULL;
        char *user, *checked = NULL;
        struct err err;
        int rc = -1;

        err_clear(&err);
        /* the domain is checked before anything is sent, and again once we know who we are */
        user = scramcred_user_of(o->id, NULL, &err);
        if (user)
                k = kafka_open(conn->kafka_config, conn->bootstrap, &err);
        if (k)
                checked = scramcred_user_of(o->id, kafka_config_get(k, "sasl.username"), &err);
        if (checked)
                rc = act(k, o, checked, &err);
        if (rc < 0)
                fprintf(stderr, "specmesh credentials %s: %s\n", o->verb, err.msg);
        free(user);
        free(checked);
        kafka_close(k);
        return rc == 0 ? EXIT_OK : EXIT_ERROR;
}

static int parse(int argc, char **argv, struct opts *o, struct cli_conn *conn)
{
        static const struct option opts[] = {
            {"domain", required_argument, NULL, 'd'},
            {"mechanism", required_argument, NULL, 'm'},
            {"output", required_argument, NULL, 'o'},
            {"help", no_argument, NULL, 'h'},
            CLI_CONN_OPTIONS,
            {NULL, 0, NULL, 0},
        };
        int opt;

        optind = 1;
        while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
                if (cli_conn_flag(conn, opt, optarg))
                        continue;
                if (opt == 'd') {
                        o->id = optarg;
                } else if (opt == 'm') {
                        o->mech = scramcred_mech(optarg);
                } else if (opt == 'o') {
                        o->output = optarg;
                } else if (opt == 'h') {
                        printf("%s%s", usage, cli_conn_help);
                        return 1;
                } else {
                        return -1;
                }
        }
        o->verb = optind + 1 == argc ? argv[optind] : NULL;
        return 0;
}

int cmd_credentials(int argc, char **argv)
{
        struct opts o = {.mech = SCRAM_MECH_SHA_512};
        struct cli_conn conn;
        int p;

        cli_conn_from_env(&conn);
        p = parse(argc, argv, &o, &conn);
        if (p > 0)
                return EXIT_OK;
        if (p < 0 || !o.verb ||
            (!str_eq(o.verb, "create") && !str_eq(o.verb, "rotate") && !str_eq(o.verb, "delete"))) {
                fprintf(stderr, "specmesh credentials: say create, rotate or delete\n%s%s", usage,
                        cli_conn_help);
                return EXIT_ERROR;
        }
        if (!o.id || !o.mech || (!str_eq(o.verb, "delete") && !o.output)) {
                fprintf(stderr, "specmesh credentials %s: %s\n%s", o.verb,
                        !o.id     ? "--domain is required"
                        : !o.mech ? "--mechanism: use SCRAM-SHA-512 or SCRAM-SHA-256"
                                  : "-o FILE is required: the password is never printed",
                        usage);
                return EXIT_ERROR;
        }
        return run(&o, &conn);
}
