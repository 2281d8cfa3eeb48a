/*
 * CreateAcls / DeleteAcls against a fake broker on 127.0.0.1 that behaves like Kafka 4.1's KRaft
 * controller on size: a request that would write (create) or remove (delete) more than 10,000
 * records fails as a whole, every binding answered with POLICY_VIOLATION (create) or
 * INVALID_REQUEST (delete). A product with more bindings than that must still be applied: the
 * client splits its bindings into requests of ACLS_PER_REQUEST.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pkg/base/err.h"
#include "pkg/kwire/acls.h"
#include "pkg/kwire/kconn.h"
#include "pkg/kwire/kproto.h"
#include "pkg/kwire/props.h"
#include "pkg/kwire/quota.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "test/unit/kwire/hexfixture.h"

#define KRAFT_MAX_RECORDS 10000
#define POLICY_VIOLATION  44
#define INVALID_REQUEST   42

struct broker {
        int lfd, port;
        pthread_t thread;
        unsigned char *versions; /* the ApiVersions answer, a whole frame */
        size_t versions_len;
        int close_after; /* hang up after this many ACL requests (0: never) */
        /* seen */
        int acl_requests, biggest;
        long bindings;
};

static int read_full(int fd, unsigned char *p, size_t n)
{
        while (n > 0) {
                ssize_t k = recv(fd, p, n, 0);
                if (k <= 0)
                        return -1;
                p += k;
                n -= (size_t)k;
        }
        return 0;
}

static void put32(unsigned char *p, uint32_t v)
{
        p[0] = (unsigned char)(v >> 24);
        p[1] = (unsigned char)(v >> 16);
        p[2] = (unsigned char)(v >> 8);
        p[3] = (unsigned char)v;
}

static uint32_t get32(const unsigned char *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The answer to a CreateAcls / DeleteAcls v1 request of n bindings (one match per deleted
 * binding), correlation id `corr`. */
static unsigned char *answer(int api, uint32_t corr, int32_t n, size_t *len)
{
        static const unsigned char match[] = {0, 0, 0xff, 0xff, 2, 0,   1, 't', 3,
                                              0, 1, 'U',  0,    1, '*', 3, 3};
        int16_t code = n > KRAFT_MAX_RECORDS
                           ? (api == KAFKA_API_CREATE_ACLS ? POLICY_VIOLATION : INVALID_REQUEST)
                           : 0;
        size_t per = 4 + (api == KAFKA_API_DELETE_ACLS ? 4 + (code ? 0 : sizeof(match)) : 0);
        unsigned char *b = malloc(16 + (size_t)n * per), *p;

        cr_assert_not_null(b);
        p = b + 4;
        put32(p, corr);
        put32(p + 4, 0); /* throttle */
        put32(p + 8, (uint32_t)n);
        p += 12;
        for (int32_t i = 0; i < n; i++) {
                *p++ = (unsigned char)(code >> 8);
                *p++ = (unsigned char)code;
                *p++ = 0xff; /* null message */
                *p++ = 0xff;
                if (api == KAFKA_API_DELETE_ACLS) {
                        put32(p, code ? 0 : 1);
                        p += 4;
                        if (!code) {
                                memcpy(p, match, sizeof(match));
                                p += sizeof(match);
                        }
                }
        }
        *len = (size_t)(p - b);
        put32(b, (uint32_t)(*len - 4));
        return b;
}

static void *serve(void *arg)
{
        struct broker *k = arg;
        struct pollfd pfd = {.fd = k->lfd, .events = POLLIN};
        unsigned char head[4];
        int fd;

        if (poll(&pfd, 1, 5000) != 1)
                return NULL;
        fd = accept(k->lfd, NULL, NULL);
        while (fd >= 0 && read_full(fd, head, 4) == 0) {
                size_t len = get32(head), out_len;
                unsigned char *req = malloc(len ? len : 1), *out;
                int api;
                if (len < 14 || read_full(fd, req, len) < 0) {
                        free(req);
                        break;
                }
                api = req[0] << 8 | req[1];
                if (api == KAFKA_API_API_VERSIONS) {
                        memcpy(k->versions + 4, req + 4, 4); /* the correlation id */
                        send(fd, k->versions, k->versions_len, MSG_NOSIGNAL);
                        free(req);
                        continue;
                }
                /* header: api, version, correlation, client id; then the binding count */
                size_t off = 8 + 2 + (size_t)(req[8] << 8 | req[9]);
                int32_t n = (int32_t)get32(req + off);
                k->acl_requests++;
                k->bindings += n;
                if (n > k->biggest)
                        k->biggest = n;
                if (k->close_after && k->acl_requests > k->close_after) {
                        free(req);
                        break;
                }
                out = answer(api, get32(req + 4), n, &out_len);
                send(fd, out, out_len, MSG_NOSIGNAL);
                free(out);
                free(req);
        }
        if (fd >= 0)
                close(fd);
        return NULL;
}

static struct kconn *start(struct broker *k, struct kprops *p)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t al = sizeof(a);
        char servers[40];
        struct err err;
        struct kconn *c;

        k->versions = load_hex("api_versions_v3_response.hex", &k->versions_len);
        k->lfd = socket(AF_INET, SOCK_STREAM, 0);
        cr_assert_geq(k->lfd, 0);
        cr_assert_eq(bind(k->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
        cr_assert_eq(listen(k->lfd, 4), 0);
        getsockname(k->lfd, (struct sockaddr *)&a, &al);
        k->port = ntohs(a.sin_port);
        cr_assert_eq(pthread_create(&k->thread, NULL, serve, k), 0);
        snprintf(servers, sizeof(servers), "127.0.0.1:%d", k->port);
        kprops_init(p);
        kprops_set(p, "bootstrap.servers", servers);
        kprops_set(p, "security.protocol", "PLAINTEXT");
        c = kconn_open(p, 5000, &err);
        cr_assert_not_null(c, "%s", err.msg);
        return c;
}

static void stop(struct broker *k, struct kconn *c, struct kprops *p)
{
        kconn_close(c);
        pthread_join(k->thread, NULL);
        close(k->lfd);
        free(k->versions);
        kprops_release(p);
}

static struct plan_op **ops_new(size_t n, enum plan_action action)
{
        struct plan_op **ops = calloc(n, sizeof(*ops));
        char topic[32], who[32];

        cr_assert_not_null(ops);
        for (size_t i = 0; i < n; i++) {
                ops[i] = calloc(1, sizeof(**ops));
                cr_assert_not_null(ops[i]);
                ops[i]->action = action;
                ops[i]->resource = PLAN_ACL;
                snprintf(topic, sizeof(topic), "scale._protected.t%zu", i / 100);
                snprintf(who, sizeof(who), "User:g%zu", i % 100);
                ops[i]->acl = acl_new(ACL_RES_TOPIC, topic, ACL_PAT_LITERAL, who, ACL_OP_READ);
                cr_assert_not_null(ops[i]->acl);
        }
        return ops;
}

static size_t count_state(struct plan_op **ops, size_t n, enum plan_op_state s)
{
        size_t k = 0;

        for (size_t i = 0; i < n; i++)
                k += ops[i]->state == s;
        return k;
}

static void ops_free(struct plan_op **ops, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                acl_free(ops[i]->acl);
                free(ops[i]->error);
                free(ops[i]);
        }
        free(ops);
}

/* 10,400 bindings: the set of a product of 20 protected topics with 260 grants each. */
#define MANY 10400

Test(acls, more_creates_than_kraft_takes_in_one_request_all_succeed)
{
        struct broker k = {0};
        struct kprops p;
        struct kconn *c = start(&k, &p);
        struct plan_op **ops = ops_new(MANY, PLAN_CREATE);
        struct err err;

        cr_assert_eq(kafka_acls_create(c, ops, MANY, &err), 0, "%s", err.msg);
        stop(&k, c, &p);
        cr_assert_eq(count_state(ops, MANY, OP_DONE), MANY, "refused: %s",
                     ops[0]->error ? ops[0]->error : "-");
        cr_assert_eq(k.bindings, MANY);
        cr_assert_leq(k.biggest, ACLS_PER_REQUEST);
        cr_assert_eq(k.acl_requests, (MANY + ACLS_PER_REQUEST - 1) / ACLS_PER_REQUEST);
        ops_free(ops, MANY);
}

Test(acls, more_deletes_than_kraft_takes_in_one_request_all_succeed)
{
        struct broker k = {0};
        struct kprops p;
        struct kconn *c = start(&k, &p);
        struct plan_op **ops = ops_new(MANY, PLAN_DELETE);
        struct err err;

        cr_assert_eq(kafka_acls_delete(c, ops, MANY, &err), 0, "%s", err.msg);
        stop(&k, c, &p);
        cr_assert_eq(count_state(ops, MANY, OP_DONE), MANY, "refused: %s",
                     ops[0]->error ? ops[0]->error : "-");
        cr_assert_eq(k.bindings, MANY);
        cr_assert_leq(k.biggest, ACLS_PER_DELETE_REQUEST);
        cr_assert_eq(k.acl_requests,
                     (MANY + ACLS_PER_DELETE_REQUEST - 1) / ACLS_PER_DELETE_REQUEST);
        ops_free(ops, MANY);
}

Test(acls, a_lost_connection_stops_at_that_request_and_keeps_earlier_results)
{
        struct broker k = {.close_after = 1};
        struct kprops p;
        struct kconn *c = start(&k, &p);
        size_t n = 2 * ACLS_PER_REQUEST + 1;
        struct plan_op **ops = ops_new(n, PLAN_CREATE);
        struct err err;

        cr_assert_eq(kafka_acls_create(c, ops, n, &err), -1);
        cr_assert_eq(err.kind, ERR_TRANSIENT, "%s", err.msg);
        stop(&k, c, &p);
        cr_assert_eq(count_state(ops, n, OP_DONE), ACLS_PER_REQUEST);
        cr_assert_eq(count_state(ops, n, OP_PENDING), n - ACLS_PER_REQUEST);
        cr_assert_eq(k.acl_requests, 2, "nothing sent after the failed request");
        ops_free(ops, n);
}

Test(acls, one_request_is_not_split)
{
        struct broker k = {0};
        struct kprops p;
        struct kconn *c = start(&k, &p);
        struct plan_op **ops = ops_new(ACLS_PER_REQUEST, PLAN_CREATE);
        struct err err;

        cr_assert_eq(kafka_acls_create(c, ops, ACLS_PER_REQUEST, &err), 0, "%s", err.msg);
        cr_assert_eq(kafka_acls_create(c, ops, 0, &err), 0, "nothing to send");
        stop(&k, c, &p);
        cr_assert_eq(k.acl_requests, 1);
        cr_assert_eq(count_state(ops, ACLS_PER_REQUEST, OP_DONE), ACLS_PER_REQUEST);
        ops_free(ops, ACLS_PER_REQUEST);
}
