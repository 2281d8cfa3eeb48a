/*
 * quota_probe: drives pkg/kafka's own protocol client (kconn + quota) against a real broker for
 * e2e/tests/20_quota_wire.sh, without the rest of the engine. PROPS is a librdkafka-style
 * properties file, the same one the admin client uses.
 *
 *   quota_probe PROPS describe USER
 *       one "key=value" line per quota of user=USER (sorted by key), or "none"
 *   quota_probe PROPS set USER KEY=VALUE...
 *       make USER's quota exactly these keys: describe, then alter (set these, remove others)
 *   quota_probe PROPS remove USER
 *       remove every quota key USER has
 *
 * Errors go to stderr as "error: <kind>: <message>". Exit status: 0 success, 1 failure,
 * 2 usage, 3 ERR_AUTH, 4 ERR_TRANSIENT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kwire/props.h"
#include "pkg/kwire/quota.h"
#include "pkg/model/model.h"

static int fail(const struct err *err)
{
        fprintf(stderr, "error: %s: %s\n", err_kind_name(err->kind), err->msg);
        if (err->kind == ERR_AUTH)
                return 3;
        return err->kind == ERR_TRANSIENT ? 4 : 1;
}

static void print_quota(const struct quota *q)
{
        if (!q || !q->set) {
                printf("none\n");
                return;
        }
        /* enum order is not alphabetical: consumer, producer, request */
        static const int order[] = {QUOTA_CONSUMER_BYTE_RATE, QUOTA_PRODUCER_BYTE_RATE,
                                    QUOTA_REQUEST_PERCENTAGE};
        for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
                if (q->set & (1u << order[i]))
                        printf("%s=%.17g\n", quota_key_str(order[i]), q->values[order[i]]);
        }
}

/* KEY=VALUE arguments into a new quota; NULL on a bad argument. */
static struct quota *parse_want(const char *user, char **args, int n)
{
        struct quota *q = quota_new(user);

        for (int i = 0; q && i < n; i++) {
                const char *eq = strchr(args[i], '=');
                int k;
                for (k = 0; eq && k < QUOTA_KEY_COUNT; k++) {
                        if (strlen(quota_key_str(k)) == (size_t)(eq - args[i]) &&
                            strncmp(args[i], quota_key_str(k), (size_t)(eq - args[i])) == 0)
                                break;
                }
                if (!eq || k == QUOTA_KEY_COUNT) {
                        fprintf(stderr, "bad quota '%s'\n", args[i]);
                        quota_free(q);
                        return NULL;
                }
                q->values[k] = strtod(eq + 1, NULL);
                q->set |= 1u << k;
        }
        return q;
}

static int run(struct kconn *c, int argc, char **argv, struct err *err)
{
        struct quota *have = NULL, *want = NULL;
        int rc = 1;

        if (kafka_quota_describe(c, argv[3], &have, err) < 0)
                return fail(err);
        if (strcmp(argv[2], "describe") == 0) {
                print_quota(have);
                rc = 0;
        } else if (strcmp(argv[2], "set") == 0 || strcmp(argv[2], "remove") == 0) {
                want = strcmp(argv[2], "set") == 0 ? parse_want(argv[3], argv + 4, argc - 4) : NULL;
                if (strcmp(argv[2], "set") == 0 && !want)
                        rc = 2;
                else if (kafka_quota_alter(c, want, have, err) < 0)
                        rc = fail(err);
                else
                        rc = 0;
        } else {
                rc = 2;
        }
        quota_free(have);
        quota_free(want);
        return rc;
}

int main(int argc, char **argv)
{
        struct kprops p;
        struct kconn *c = NULL;
        struct err err;
        int rc;

        if (argc < 4) {
                fprintf(stderr, "usage: quota_probe PROPS describe|set|remove USER [K=V...]\n");
                return 2;
        }
        err_clear(&err);
        kprops_init(&p);
        if (kprops_load(&p, argv[1], &err) < 0 || kprops_check(&p, &err) < 0) {
                rc = fail(&err);
                goto out;
        }
        c = kconn_open(&p, 10000, &err);
        rc = c ? run(c, argc, argv, &err) : fail(&err);
        if (rc == 2)
                fprintf(stderr, "usage: quota_probe PROPS describe|set|remove USER [K=V...]\n");
out:
        kconn_close(c);
        kprops_release(&p);
        return rc;
}
