/*
 * The client's behaviour without a registry: URL handling, and what observe and apply do when
 * nothing answers (a loopback port that is bound but not listening refuses every connect).
 * The exchanges with a real registry are covered by e2e/tests/40_registry.sh.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/registry/registry.h"

static int sock = -1;

/* A loopback URL whose port refuses connections. */
static char *refusing_url(void)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(a);

        sock = socket(AF_INET, SOCK_STREAM, 0);
        cr_assert_geq(sock, 0);
        cr_assert_eq(bind(sock, (struct sockaddr *)&a, sizeof(a)), 0);
        cr_assert_eq(getsockname(sock, (struct sockaddr *)&a, &len), 0);
        return str_printf("http://u:secret@127.0.0.1:%d/apis/ccompat/v7/", ntohs(a.sin_port));
}

static void close_sock(void)
{
        if (sock >= 0)
                close(sock);
        sock = -1;
}

static struct plan_op *subject_op(enum plan_action action, const char *name)
{
        struct plan_op *op = calloc(1, sizeof(*op));

        op->action = action;
        op->resource = PLAN_SUBJECT;
        if (action != PLAN_DELETE) {
                op->want_subject = subject_new(name, SCHEMA_AVRO, "\"string\"");
                op->want_subject->compatibility = strdup("FULL_TRANSITIVE");
        }
        if (action != PLAN_CREATE) {
                op->have_subject = subject_new(name, SCHEMA_AVRO, "\"int\"");
                op->have_subject->version = 2;
        }
        op->new_schema = action == PLAN_UPDATE;
        return op;
}

static void free_op(void *item)
{
        struct plan_op *op = item;

        subject_free(op->want_subject);
        subject_free(op->have_subject);
        free(op->error);
        free(op);
}

Test(registry, new_rejects_non_http_urls)
{
        struct err e = {0};

        cr_assert_null(registry_new("127.0.0.1:18081", &e));
        cr_assert_eq(e.kind, ERR_INVALID);
}

Test(registry, url_hides_credentials, .fini = close_sock)
{
        struct err e = {0};
        char *url = refusing_url();
        struct registry *r = registry_new(url, &e);

        cr_assert_not_null(r, "%s", e.msg);
        cr_assert_null(strstr(registry_url(r), "secret"));
        cr_assert(str_ends_with(registry_url(r), "/apis/ccompat/v7"));
        registry_free(r);
        free(url);
}

Test(registry, observe_refused_is_transient, .fini = close_sock)
{
        struct err e = {0};
        char *url = refusing_url();
        struct registry *r = registry_new(url, &e);
        struct product *have = product_new();

        cr_assert_eq(registry_observe(r, "london.x", NULL, have, &e), -1);
        cr_assert_eq(e.kind, ERR_TRANSIENT);
        cr_assert(str_ends_with(e.msg, "/apis/ccompat/v7: connection refused"), "%s", e.msg);
        cr_assert_null(strstr(e.msg, "secret"));
        cr_assert_eq(have->subjects.len, 0);
        product_free(have);
        registry_free(r);
        free(url);
}

Test(registry, apply_records_every_failure, .fini = close_sock)
{
        struct err e = {0};
        char *url = refusing_url();
        struct registry *r = registry_new(url, &e);
        struct plan p = {0};
        struct plan_op *topic = calloc(1, sizeof(*topic));

        topic->resource = PLAN_TOPIC;
        vec_push(&p.ops, subject_op(PLAN_CREATE, "london.x._public.a-value"));
        vec_push(&p.ops, topic);
        vec_push(&p.ops, subject_op(PLAN_UPDATE, "london.x._public.b-value"));
        vec_push(&p.ops, subject_op(PLAN_DELETE, "london.x._public.c/value"));
        cr_assert_eq(registry_apply(r, &p, 0, &e), -1);
        cr_assert_eq(e.kind, ERR_TRANSIENT);
        cr_assert(str_starts_with(e.msg, "schema registry: 3 of 3 subject changes failed: "
                                         "subject 'london.x._public.a-value': "),
                  "%s", e.msg);
        cr_assert_eq(topic->state, OP_PENDING, "not a subject op: left alone");
        for (size_t i = 0; i < p.ops.len; i++) {
                struct plan_op *op = p.ops.items[i];

                if (op == topic)
                        continue;
                cr_assert_eq(op->state, OP_FAILED);
                cr_assert(strstr(op->error, "connection refused"), "%s", op->error);
        }
        cr_assert(str_starts_with(((struct plan_op *)p.ops.items[3])->error,
                                  "subject 'london.x._public.c/value': delete: "));
        vec_release(&p.ops, free_op);
        registry_free(r);
        free(url);
}

Test(registry, dry_run_only_checks, .fini = close_sock)
{
        struct err e = {0};
        char *url = refusing_url();
        struct registry *r = registry_new(url, &e);
        struct plan p = {0};
        struct plan_op *create = subject_op(PLAN_CREATE, "london.x._public.a-value");
        struct plan_op *update = subject_op(PLAN_UPDATE, "london.x._public.b-value");
        struct plan_op *del = subject_op(PLAN_DELETE, "london.x._public.c-value");

        vec_push(&p.ops, create);
        vec_push(&p.ops, update);
        vec_push(&p.ops, del);
        cr_assert_eq(registry_apply(r, &p, REGISTRY_APPLY_DRY_RUN, &e), -1);
        cr_assert_eq(create->state, OP_SKIPPED);
        cr_assert_eq(del->state, OP_SKIPPED);
        cr_assert_eq(update->state, OP_FAILED, "the check itself needs the registry");
        cr_assert(strstr(e.msg, "1 of 3"), "%s", e.msg);
        vec_release(&p.ops, free_op);
        registry_free(r);
        free(url);
}
