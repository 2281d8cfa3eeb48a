/*
 * acl_admin: creates and deletes exact ACL bindings through librdkafka's admin API (CreateAcls,
 * DeleteAcls), for e2e set-ups that Kafka's own kafka-acls cannot express: Kafka 4.1's
 * AclCommand refuses `--cluster --resource-pattern-type prefixed`, while the broker accepts a
 * PREFIXED CLUSTER binding over CreateAcls (the form the SpecMesh CLI creates;
 * e2e/tests/65_migration.sh). Test-only: not part of the specmesh binary.
 *
 *   acl_admin PROPS create    bindings on stdin are created
 *   acl_admin PROPS delete    bindings on stdin are deleted (each as a filter: exact, unless
 *                             it says ANY, or `-` for the name, where it matches anything)
 *
 * PROPS is a librdkafka properties file (`key=value` lines, `#` comments), the one the e2e
 * tests use ($SPECMESH_KAFKA_CONFIG). One binding per stdin line, blank lines and `#` comments
 * skipped:
 *
 *   RESOURCE_TYPE NAME PATTERN PRINCIPAL OPERATION [PERMISSION [HOST]]
 *   e.g.  CLUSTER kafka-cluster PREFIXED User:app IDEMPOTENT_WRITE
 *
 * RESOURCE_TYPE is TOPIC, GROUP or CLUSTER (librdkafka 2.0.2 cannot express TRANSACTIONAL_ID
 * bindings: kafka-acls can); PATTERN LITERAL or PREFIXED;
 * OPERATION a Kafka ACL operation (READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE,
 * CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE); PERMISSION ALLOW
 * (default) or DENY; HOST `*` by default. `delete` prints "deleted N" (the bindings the broker
 * matched). Any number of lines: they go CHUNK to a request (a KRaft controller refuses a
 * request that writes or removes more than 10,000 records, so a delete filter should not match
 * more than that). Errors go to stderr naming the line; exit status 0 success, 1 a broker or
 * connection error, 2 usage or a bad line.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#define CHUNK      1000
#define TIMEOUT_MS 30000

struct name {
        const char *s;
        int v;
};

static const struct name resource_types[] = {
    {"TOPIC", RD_KAFKA_RESOURCE_TOPIC},
    {"GROUP", RD_KAFKA_RESOURCE_GROUP},
    {"CLUSTER", RD_KAFKA_RESOURCE_BROKER}, /* Kafka's CLUSTER is librdkafka's BROKER (4) */
    {"ANY", RD_KAFKA_RESOURCE_ANY},        /* delete filters only */
    {NULL, 0},
};

static const struct name patterns[] = {
    {"LITERAL", RD_KAFKA_RESOURCE_PATTERN_LITERAL},
    {"PREFIXED", RD_KAFKA_RESOURCE_PATTERN_PREFIXED},
    {"ANY", RD_KAFKA_RESOURCE_PATTERN_ANY},
    {NULL, 0},
};

static const struct name operations[] = {
    {"READ", RD_KAFKA_ACL_OPERATION_READ},
    {"WRITE", RD_KAFKA_ACL_OPERATION_WRITE},
    {"CREATE", RD_KAFKA_ACL_OPERATION_CREATE},
    {"DELETE", RD_KAFKA_ACL_OPERATION_DELETE},
    {"ALTER", RD_KAFKA_ACL_OPERATION_ALTER},
    {"DESCRIBE", RD_KAFKA_ACL_OPERATION_DESCRIBE},
    {"CLUSTER_ACTION", RD_KAFKA_ACL_OPERATION_CLUSTER_ACTION},
    {"DESCRIBE_CONFIGS", RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS},
    {"ALTER_CONFIGS", RD_KAFKA_ACL_OPERATION_ALTER_CONFIGS},
    {"IDEMPOTENT_WRITE", RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE},
    {"ANY", RD_KAFKA_ACL_OPERATION_ANY},
    {NULL, 0},
};

static const struct name permissions[] = {
    {"ALLOW", RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW},
    {"DENY", RD_KAFKA_ACL_PERMISSION_TYPE_DENY},
    {"ANY", RD_KAFKA_ACL_PERMISSION_TYPE_ANY},
    {NULL, 0},
};

static int lookup(const struct name *t, const char *s, int *out)
{
        for (; t->s; t++) {
                if (strcmp(t->s, s) == 0) {
                        *out = t->v;
                        return 0;
                }
        }
        return -1;
}

/* Load a librdkafka properties file into conf; -1 with a message on stderr. */
static int load_props(rd_kafka_conf_t *conf, const char *path)
{
        FILE *f = fopen(path, "r");
        char line[4096], errstr[512];
        int lineno = 0, rc = 0;

        if (!f) {
                fprintf(stderr, "error: %s: cannot read\n", path);
                return -1;
        }
        while (rc == 0 && fgets(line, sizeof(line), f)) {
                char *k = line, *eq, *end;
                lineno++;
                while (isspace((unsigned char)*k))
                        k++;
                end = k + strlen(k);
                while (end > k && isspace((unsigned char)end[-1]))
                        *--end = '\0';
                if (*k == '\0' || *k == '#')
                        continue;
                eq = strchr(k, '=');
                if (!eq) {
                        fprintf(stderr, "error: %s:%d: no '='\n", path, lineno);
                        rc = -1;
                        break;
                }
                *eq = '\0';
                for (end = eq; end > k && isspace((unsigned char)end[-1]);)
                        *--end = '\0';
                char *v = eq + 1;
                while (isspace((unsigned char)*v))
                        v++;
                if (rd_kafka_conf_set(conf, k, v, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                        fprintf(stderr, "error: %s:%d: %s\n", path, lineno, errstr);
                        rc = -1;
                }
        }
        fclose(f);
        return rc;
}

struct binding {
        int type, pattern, operation, permission;
        char name[256], principal[256], host[256];
};

/* One stdin line into b: 1 parsed, 0 blank or comment, -1 bad (message on stderr). */
static int parse_line(char *line, int lineno, struct binding *b)
{
        char *f[8];
        int n = 0;

        for (char *tok = strtok(line, " \t\r\n"); tok && n < 8; tok = strtok(NULL, " \t\r\n"))
                f[n++] = tok;
        if (n == 0 || f[0][0] == '#')
                return 0;
        if (n < 5 || n > 7) {
                fprintf(stderr,
                        "error: stdin:%d: want TYPE NAME PATTERN PRINCIPAL OPERATION "
                        "[PERMISSION [HOST]]\n",
                        lineno);
                return -1;
        }
        b->permission = RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW;
        if (lookup(resource_types, f[0], &b->type) < 0 || lookup(patterns, f[2], &b->pattern) < 0 ||
            lookup(operations, f[4], &b->operation) < 0 ||
            (n > 5 && lookup(permissions, f[5], &b->permission) < 0)) {
                fprintf(stderr,
                        "error: stdin:%d: unknown resource type, pattern, operation or "
                        "permission\n",
                        lineno);
                return -1;
        }
        if (strlen(f[1]) >= sizeof(b->name) || strlen(f[3]) >= sizeof(b->principal) ||
            (n > 6 && strlen(f[6]) >= sizeof(b->host))) {
                fprintf(stderr, "error: stdin:%d: field too long\n", lineno);
                return -1;
        }
        strcpy(b->name, f[1]);
        strcpy(b->principal, f[3]);
        strcpy(b->host, n > 6 ? f[6] : "*");
        return 1;
}

static int wait_result(rd_kafka_queue_t *q, rd_kafka_event_type_t want, rd_kafka_event_t **out)
{
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, TIMEOUT_MS + 5000);

        if (!ev) {
                fprintf(stderr, "error: no answer from the broker\n");
                return -1;
        }
        if (rd_kafka_event_error(ev)) {
                fprintf(stderr, "error: %s\n", rd_kafka_event_error_string(ev));
                rd_kafka_event_destroy(ev);
                return -1;
        }
        if (rd_kafka_event_type(ev) != want) {
                fprintf(stderr, "error: unexpected event %s\n", rd_kafka_event_name(ev));
                rd_kafka_event_destroy(ev);
                return -1;
        }
        *out = ev;
        return 0;
}

static int create(rd_kafka_t *rk, rd_kafka_queue_t *q, rd_kafka_AdminOptions_t *opts,
                  struct binding *bs, size_t n)
{
        rd_kafka_AclBinding_t *acls[CHUNK];
        char errstr[512];
        rd_kafka_event_t *ev;
        int rc = 0;

        for (size_t i = 0; i < n; i++) {
                acls[i] = rd_kafka_AclBinding_new(bs[i].type, bs[i].name, bs[i].pattern,
                                                  bs[i].principal, bs[i].host, bs[i].operation,
                                                  bs[i].permission, errstr, sizeof(errstr));
                if (!acls[i]) {
                        fprintf(stderr, "error: binding %zu: %s\n", i + 1, errstr);
                        rd_kafka_AclBinding_destroy_array(acls, i);
                        return 2;
                }
        }
        rd_kafka_CreateAcls(rk, acls, n, opts, q);
        rd_kafka_AclBinding_destroy_array(acls, n);
        if (wait_result(q, RD_KAFKA_EVENT_CREATEACLS_RESULT, &ev) < 0)
                return 1;
        size_t cnt;
        const rd_kafka_acl_result_t **res =
            rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev), &cnt);
        for (size_t i = 0; i < cnt; i++) {
                const rd_kafka_error_t *e = rd_kafka_acl_result_error(res[i]);
                if (e) {
                        fprintf(stderr, "error: binding %zu (%s %s): %s\n", i + 1, bs[i].name,
                                bs[i].principal, rd_kafka_error_string(e));
                        rc = 1;
                }
        }
        rd_kafka_event_destroy(ev);
        return rc;
}

static int delete (rd_kafka_t *rk, rd_kafka_queue_t *q, rd_kafka_AdminOptions_t *opts,
                   struct binding *bs, size_t n, size_t *deleted_total)
{
        rd_kafka_AclBindingFilter_t *filters[CHUNK];
        char errstr[512];
        rd_kafka_event_t *ev;
        size_t deleted = 0;
        int rc = 0;

        for (size_t i = 0; i < n; i++) {
                filters[i] = rd_kafka_AclBindingFilter_new(
                    bs[i].type, strcmp(bs[i].name, "-") == 0 ? NULL : bs[i].name, bs[i].pattern,
                    bs[i].principal, bs[i].host, bs[i].operation, bs[i].permission, errstr,
                    sizeof(errstr));
                if (!filters[i]) {
                        fprintf(stderr, "error: binding %zu: %s\n", i + 1, errstr);
                        rd_kafka_AclBinding_destroy_array(filters, i);
                        return 2;
                }
        }
        rd_kafka_DeleteAcls(rk, filters, n, opts, q);
        rd_kafka_AclBinding_destroy_array(filters, n);
        if (wait_result(q, RD_KAFKA_EVENT_DELETEACLS_RESULT, &ev) < 0)
                return 1;
        size_t cnt;
        const rd_kafka_DeleteAcls_result_response_t **res =
            rd_kafka_DeleteAcls_result_responses(rd_kafka_event_DeleteAcls_result(ev), &cnt);
        for (size_t i = 0; i < cnt; i++) {
                const rd_kafka_error_t *e = rd_kafka_DeleteAcls_result_response_error(res[i]);
                size_t m;
                if (e) {
                        fprintf(stderr, "error: binding %zu (%s %s): %s\n", i + 1, bs[i].name,
                                bs[i].principal, rd_kafka_error_string(e));
                        rc = 1;
                        continue;
                }
                rd_kafka_DeleteAcls_result_response_matching_acls(res[i], &m);
                deleted += m;
        }
        rd_kafka_event_destroy(ev);
        *deleted_total += deleted;
        return rc;
}

int main(int argc, char **argv)
{
        struct binding *bs = NULL;
        char line[1024], errstr[512];
        size_t n = 0, cap = 0, deleted = 0;
        int lineno = 0, rc = 0;

        if (argc != 3 || (strcmp(argv[2], "create") != 0 && strcmp(argv[2], "delete") != 0)) {
                fprintf(stderr, "usage: acl_admin PROPS create|delete < bindings\n");
                return 2;
        }
        while (fgets(line, sizeof(line), stdin)) {
                lineno++;
                if (n == cap) {
                        struct binding *more =
                            realloc(bs, (cap = cap ? 2 * cap : 256) * sizeof(*bs));
                        if (!more) {
                                fprintf(stderr, "error: out of memory\n");
                                free(bs);
                                return 1;
                        }
                        bs = more;
                }
                rc = parse_line(line, lineno, &bs[n]);
                if (rc < 0) {
                        free(bs);
                        return 2;
                }
                n += (size_t)rc;
        }
        if (n == 0) {
                free(bs);
                return strcmp(argv[2], "delete") == 0 ? (printf("deleted 0\n"), 0) : 0;
        }

        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (load_props(conf, argv[1]) < 0) {
                rd_kafka_conf_destroy(conf);
                free(bs);
                return 2;
        }
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "error: %s\n", errstr);
                rd_kafka_conf_destroy(conf);
                free(bs);
                return 1;
        }
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ANY);
        rd_kafka_AdminOptions_set_request_timeout(opts, TIMEOUT_MS, errstr, sizeof(errstr));

        rc = 0;
        for (size_t off = 0; off < n && rc == 0; off += CHUNK) {
                size_t k = n - off < CHUNK ? n - off : CHUNK;
                if (strcmp(argv[2], "create") == 0)
                        rc = create(rk, q, opts, bs + off, k);
                else
                        rc = delete (rk, q, opts, bs + off, k, &deleted);
        }
        if (strcmp(argv[2], "delete") == 0)
                printf("deleted %zu\n", deleted);
        free(bs);

        rd_kafka_AdminOptions_destroy(opts);
        rd_kafka_queue_destroy(q);
        rd_kafka_destroy(rk);
        return rc;
}
