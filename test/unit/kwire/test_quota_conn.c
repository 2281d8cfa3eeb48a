/*
 * The connection against a scripted fake broker on 127.0.0.1 (a thread that answers each
 * request with the next frame of its script, patching in the correlation id): bootstrap
 * fallback, ApiVersions, SASL PLAIN, errors, timeouts and malformed frames.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kwire/kconn.h"
#include "pkg/kwire/props.h"
#include "pkg/kwire/quota.h"
#include "pkg/model/model.h"
#include "test/unit/kwire/hexfixture.h"

#define MAX_STEPS 8

struct fake {
        int lfd, port;
        pthread_t thread;
        unsigned char *replies[MAX_STEPS]; /* whole frames, owned */
        size_t lens[MAX_STEPS], n;
        int keep_correlation;               /* answer with the script's correlation id as it is */
        unsigned char *requests[MAX_STEPS]; /* what the client sent (after the size), owned */
        size_t req_lens[MAX_STEPS], nreq;
};

static int listen_any(int *port)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t al = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM, 0);

        cr_assert_geq(fd, 0);
        cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        cr_assert_eq(listen(fd, 4), 0);
        getsockname(fd, (struct sockaddr *)&a, &al);
        *port = ntohs(a.sin_port);
        return fd;
}

/* A port nobody listens on. */
static int closed_port(void)
{
        int port, fd = listen_any(&port);

        close(fd);
        return port;
}

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

static void *serve(void *arg)
{
        struct fake *f = arg;
        struct pollfd pfd = {.fd = f->lfd, .events = POLLIN};
        unsigned char head[4], buf[512];
        int fd;

        if (poll(&pfd, 1, 5000) != 1)
                return NULL;
        fd = accept(f->lfd, NULL, NULL);
        for (size_t i = 0; i < f->n && fd >= 0; i++) {
                size_t len;
                if (read_full(fd, head, 4) < 0)
                        break;
                len =
                    (size_t)head[0] << 24 | (size_t)head[1] << 16 | (size_t)head[2] << 8 | head[3];
                f->requests[f->nreq] = malloc(len);
                f->req_lens[f->nreq] = len;
                if (len < 8 || read_full(fd, f->requests[f->nreq++], len) < 0)
                        break;
                if (!f->keep_correlation)
                        memcpy(f->replies[i] + 4, f->requests[f->nreq - 1] + 4, 4);
                send(fd, f->replies[i], f->lens[i], MSG_NOSIGNAL);
        }
        while (fd >= 0 && recv(fd, buf, sizeof(buf), 0) > 0)
                ; /* until the client closes */
        if (fd >= 0)
                close(fd);
        return NULL;
}

static void fake_add(struct fake *f, const char *fixture)
{
        f->replies[f->n] = load_hex(fixture, &f->lens[f->n]);
        f->n++;
}

static void fake_add_bytes(struct fake *f, const void *p, size_t n)
{
        f->replies[f->n] = malloc(n);
        memcpy(f->replies[f->n], p, n);
        f->lens[f->n++] = n;
}

static void fake_start(struct fake *f)
{
        f->lfd = listen_any(&f->port);
        cr_assert_eq(pthread_create(&f->thread, NULL, serve, f), 0);
}

static void fake_stop(struct fake *f)
{
        pthread_join(f->thread, NULL);
        close(f->lfd);
}

static void fake_free(struct fake *f)
{
        for (size_t i = 0; i < f->n; i++)
                free(f->replies[i]);
        for (size_t i = 0; i < f->nreq; i++)
                free(f->requests[i]);
}

static void props(struct kprops *p, const char *servers, const char *proto, const char *pass)
{
        kprops_init(p);
        kprops_set(p, "bootstrap.servers", servers);
        kprops_set(p, "security.protocol", proto);
        kprops_set(p, "sasl.mechanisms", "PLAIN");
        kprops_set(p, "sasl.username", "admin");
        kprops_set(p, "sasl.password", pass);
}

/* SaslHandshake v1 response, as Kafka 4.1.1 sends it: no error, enabled mechanisms. */
static const unsigned char handshake_ok[] = {
    0,   0,   0,   47,  0,   0,   0,   2,   0,   0,   0,   0,   0,   3,   0,   5,   'P',
    'L', 'A', 'I', 'N', 0,   13,  'S', 'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-', '5',
    '1', '2', 0,   13,  'S', 'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-', '2', '5', '6'};
/* SaslAuthenticate v2 response to PLAIN, as Kafka 4.1.1 sends it: no error, an empty (not
 * null) message, empty bytes, session lifetime 0. */
static const unsigned char authenticate_ok[] = {0, 0, 0, 18, 0, 0, 0, 3, 0, 0, 0,
                                                1, 1, 0, 0,  0, 0, 0, 0, 0, 0, 0};

Test(quota_conn, refused_is_transient_and_names_every_server)
{
        char servers[64];
        int p1 = closed_port(), p2 = closed_port();
        struct kprops p;
        struct err err;

        snprintf(servers, sizeof(servers), "127.0.0.1:%d, 127.0.0.1:%d", p1, p2);
        props(&p, servers, "PLAINTEXT", "x");
        cr_assert_null(kconn_open(&p, 1000, &err));
        cr_assert_eq(err.kind, ERR_TRANSIENT);
        snprintf(servers, sizeof(servers), "127.0.0.1:%d: Connection refused", p2);
        cr_assert(strstr(err.msg, servers), "%s", err.msg);
        kprops_release(&p);
}

Test(quota_conn, bad_bootstrap_is_invalid)
{
        struct kprops p;
        struct err err;

        props(&p, "nohostport", "PLAINTEXT", "x");
        cr_assert_null(kconn_open(&p, 1000, &err));
        cr_assert_eq(err.kind, ERR_INVALID);
        kprops_set(&p, "bootstrap.servers", "127.0.0.1:1");
        kprops_set(&p, "security.protocol", "SASL_WHAT");
        cr_assert_null(kconn_open(&p, 1000, &err));
        cr_assert_eq(err.kind, ERR_INVALID);
        kprops_release(&p);
}

Test(quota_conn, plain_then_describe_through_the_second_server)
{
        struct fake f = {0};
        struct quota *q = NULL;
        struct kconn *c;
        struct kprops p;
        struct err err;
        char servers[80];

        fake_add(&f, "api_versions_v3_response.hex");
        fake_add_bytes(&f, handshake_ok, sizeof(handshake_ok));
        fake_add_bytes(&f, authenticate_ok, sizeof(authenticate_ok));
        fake_add(&f, "describe_client_quotas_v1_response.hex");
        fake_start(&f);
        snprintf(servers, sizeof(servers), "SASL_PLAINTEXT://127.0.0.1:%d,127.0.0.1:%d",
                 closed_port(), f.port);
        props(&p, servers, "SASL_PLAINTEXT", "admin-secret");
        c = kconn_open(&p, 2000, &err);
        cr_assert_not_null(c, "%s", err.msg);
        cr_assert_eq(kafka_quota_describe(c, "wire-fx", &q, &err), 0, "%s", err.msg);
        cr_assert_eq(q->values[QUOTA_PRODUCER_BYTE_RATE], 1048576.0);
        kconn_close(c);
        fake_stop(&f);
        cr_assert_eq(f.nreq, 4);
        cr_assert_eq(f.requests[0][1], KAFKA_API_API_VERSIONS);
        cr_assert_eq(f.requests[0][3], 3, "ApiVersions v3");
        cr_assert_eq(f.requests[2][3], 2, "SaslAuthenticate v2");
        cr_assert_arr_eq(f.requests[2] + 8 + 10 + 1, "\x14\0admin\0admin-secret", 20);
        cr_assert_eq(f.requests[3][1], KAFKA_API_DESCRIBE_CLIENT_QUOTAS);
        cr_assert_eq(f.requests[3][3], 1, "DescribeClientQuotas v1");
        quota_free(q);
        fake_free(&f);
        kprops_release(&p);
}

Test(quota_conn, wrong_password_is_auth_with_the_broker_message)
{
        struct fake f = {0};
        struct kprops p;
        struct err err;
        char servers[40], want[200];

        fake_add(&f, "api_versions_v3_response.hex");
        fake_add_bytes(&f, handshake_ok, sizeof(handshake_ok));
        fake_add(&f, "sasl_authenticate_v2_failed.hex");
        fake_start(&f);
        snprintf(servers, sizeof(servers), "127.0.0.1:%d", f.port);
        props(&p, servers, "SASL_PLAINTEXT", "wrong");
        cr_assert_null(kconn_open(&p, 2000, &err));
        fake_stop(&f);
        cr_assert_eq(err.kind, ERR_AUTH);
        snprintf(want, sizeof(want),
                 "kafka 127.0.0.1:%d: authentication failed: Authentication failed: Invalid "
                 "username or password",
                 f.port);
        cr_assert_str_eq(err.msg, want);
        fake_free(&f);
        kprops_release(&p);
}

Test(quota_conn, unsupported_mechanism_lists_the_enabled_ones)
{
        static const unsigned char refused[] = {0,   0,   0,   25,  0,   0,   0,   0,   0,   0x21,
                                                0,   0,   0,   1,   0,   13,  'S', 'C', 'R', 'A',
                                                'M', '-', 'S', 'H', 'A', '-', '5', '1', '2'};
        struct fake f = {0};
        struct kprops p;
        struct err err;
        char servers[40];

        fake_add(&f, "api_versions_v3_response.hex");
        fake_add_bytes(&f, refused, sizeof(refused));
        fake_start(&f);
        snprintf(servers, sizeof(servers), "127.0.0.1:%d", f.port);
        props(&p, servers, "SASL_PLAINTEXT", "x");
        cr_assert_null(kconn_open(&p, 2000, &err));
        fake_stop(&f);
        cr_assert_eq(err.kind, ERR_AUTH);
        cr_assert(strstr(err.msg, "PLAIN refused: UNSUPPORTED_SASL_MECHANISM (enabled: "
                                  "SCRAM-SHA-512)"),
                  "%s", err.msg);
        fake_free(&f);
        kprops_release(&p);
}

Test(quota_conn, a_silent_broker_times_out)
{
        struct fake f = {0};
        struct kprops p;
        struct err err;
        char servers[40];

        fake_start(&f); /* accepts, never answers */
        snprintf(servers, sizeof(servers), "127.0.0.1:%d", f.port);
        props(&p, servers, "PLAINTEXT", "x");
        cr_assert_null(kconn_open(&p, 300, &err));
        cr_assert_eq(err.kind, ERR_TRANSIENT);
        snprintf(servers, sizeof(servers), "127.0.0.1:%d: timed out", f.port);
        cr_assert(strstr(err.msg, servers), "%s", err.msg);
        fake_stop(&f);
        fake_free(&f);
        kprops_release(&p);
}

Test(quota_conn, a_wrong_correlation_id_is_refused)
{
        struct fake f = {.keep_correlation = 1};
        struct kprops p;
        struct err err;
        char servers[40];

        fake_add(&f, "api_versions_v3_response.hex");
        f.replies[0][7] = 0x63; /* correlation 99; the client's first is 1 */
        fake_start(&f);
        snprintf(servers, sizeof(servers), "127.0.0.1:%d", f.port);
        props(&p, servers, "PLAINTEXT", "x");
        cr_assert_null(kconn_open(&p, 2000, &err));
        fake_stop(&f);
        cr_assert_eq(err.kind, ERR_INTERNAL);
        cr_assert(strstr(err.msg, "correlation id 99 does not match 1"), "%s", err.msg);
        fake_free(&f);
        kprops_release(&p);
}

Test(quota_conn, an_oversized_frame_is_refused)
{
        static const unsigned char huge[] = {0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1};
        struct fake f = {0};
        struct kprops p;
        struct err err;
        char servers[40];

        fake_add_bytes(&f, huge, sizeof(huge));
        fake_start(&f);
        snprintf(servers, sizeof(servers), "127.0.0.1:%d", f.port);
        props(&p, servers, "PLAINTEXT", "x");
        cr_assert_null(kconn_open(&p, 2000, &err));
        fake_stop(&f);
        cr_assert_eq(err.kind, ERR_INTERNAL);
        cr_assert(strstr(err.msg, "frame of 2147483647 bytes refused"), "%s", err.msg);
        fake_free(&f);
        kprops_release(&p);
}

Test(quota_conn, after_a_timeout_the_connection_is_unusable)
{
        struct fake f = {0};
        struct quota *q = NULL;
        struct kconn *c;
        struct kprops p;
        struct err err;
        char servers[40];

        fake_add(&f, "api_versions_v3_response.hex"); /* then silence */
        fake_start(&f);
        snprintf(servers, sizeof(servers), "127.0.0.1:%d", f.port);
        props(&p, servers, "PLAINTEXT", "x");
        c = kconn_open(&p, 300, &err);
        cr_assert_not_null(c, "%s", err.msg);
        cr_assert_eq(kafka_quota_describe(c, "alice", &q, &err), -1);
        cr_assert_eq(err.kind, ERR_TRANSIENT);
        cr_assert(strstr(err.msg, "timed out"), "%s", err.msg);
        cr_assert_eq(kafka_quota_describe(c, "alice", &q, &err), -1);
        cr_assert(strstr(err.msg, "connection unusable after an earlier failure"), "%s", err.msg);
        cr_assert_null(q);
        kconn_close(c);
        fake_stop(&f);
        fake_free(&f);
        kprops_release(&p);
}
