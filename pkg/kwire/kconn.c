#include "pkg/kwire/kconn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kwire/kproto.h"
#include "pkg/kwire/ktls.h"
#include "pkg/kwire/props.h"
#include "pkg/kwire/quota.h"
#include "pkg/base/banned.h"

/* --- connecting -------------------------------------------------------------------------- */

struct hostport {
        char host[256];
        char port[16];
};

/*
 * One bootstrap.servers entry, "host:port", "[v6]:port" or "PROTO://host:port", of `n` bytes
 * into `hp`. Returns 0, or -1 when it has no port or does not fit.
 */
static int parse_server(const char *s, size_t n, struct hostport *hp)
{
        const char *scheme = memmem(s, n, "://", 3), *colon, *h;
        size_t hl, pl;

        if (scheme) {
                n -= (size_t)(scheme + 3 - s);
                s = scheme + 3;
        }
        h = s;
        colon = memrchr(s, ':', n);
        if (!colon || colon == s)
                return -1;
        hl = (size_t)(colon - s);
        pl = n - hl - 1;
        if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
                h++;
                hl -= 2;
        }
        if (hl == 0 || pl == 0 || hl >= sizeof(hp->host) || pl >= sizeof(hp->port))
                return -1;
        snprintf(hp->host, sizeof(hp->host), "%.*s", (int)hl, h);
        snprintf(hp->port, sizeof(hp->port), "%.*s", (int)pl, colon + 1);
        return 0;
}

/* Connect one address within the timeout. Returns the fd, or -1 with errno set. */
static int connect_addr(const struct addrinfo *a, int timeout_ms)
{
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};

        if (fd < 0)
                return -1;
        if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS)
                soerr = errno;
        else if (poll(&pfd, 1, timeout_ms) != 1)
                soerr = ETIMEDOUT;
        else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
                soerr = EIO;
        if (soerr == 0 && fcntl(fd, F_SETFL, 0) < 0)
                soerr = errno;
        if (soerr) {
                close(fd);
                errno = soerr;
                return -1;
        }
        return fd;
}

/* Every address of host:port in turn; on failure appends "host:port: why" to `why`. */
static int connect_host(struct kconn *c, const struct hostport *hp, struct buf *why)
{
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
        struct timeval tv = {c->timeout_ms / 1000, (suseconds_t)(c->timeout_ms % 1000) * 1000};
        int rc = getaddrinfo(hp->host, hp->port, &hints, &ai), last = ECONNREFUSED;

        if (rc != 0) {
                buf_printf(why, "%s%s:%s: %s", why->len ? "; " : "", hp->host, hp->port,
                           gai_strerror(rc));
                return -1;
        }
        for (struct addrinfo *a = ai; a && c->fd < 0; a = a->ai_next) {
                c->fd = connect_addr(a, c->timeout_ms);
                last = errno;
        }
        freeaddrinfo(ai);
        if (c->fd < 0) {
                buf_printf(why, "%s%s:%s: %s", why->len ? "; " : "", hp->host, hp->port,
                           last == ETIMEDOUT ? "connect timed out" : strerror(last));
                return -1;
        }
        /* I/O timeouts: every later read or write gives up after timeout_ms without progress */
        setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        snprintf(c->peer, sizeof(c->peer), "%s:%s", hp->host, hp->port);
        return 0;
}

/* The first reachable entry of bootstrap.servers; `hp` receives it (TLS checks its name). */
static int connect_any(struct kconn *c, const char *servers, struct hostport *hp, struct err *err)
{
        struct buf why;
        int rc = -1;

        buf_init(&why, 4096);
        for (const char *s = servers; *s && c->fd < 0; s += strcspn(s, ",")) {
                size_t n;
                s += strspn(s, ", \t");
                n = strcspn(s, ", \t");
                if (n == 0)
                        break;
                if (parse_server(s, n, hp) < 0) {
                        err_set(err, ERR_INVALID,
                                "kafka config: bad bootstrap.servers entry '%.*s'", (int)n, s);
                        goto out;
                }
                connect_host(c, hp, &why);
        }
        if (c->fd < 0 && why.len == 0)
                err_set(err, ERR_INVALID, "kafka config: bootstrap.servers is empty");
        else if (c->fd < 0)
                err_set(err, ERR_TRANSIENT, "kafka: cannot connect to %s", why.data);
        else
                rc = 0;
out:
        buf_release(&why);
        return rc;
}

/* --- TLS ----------------------------------------------------------------------------------- */

/*
 * OpenSSL writes to the socket with write(), which raises SIGPIPE when the broker has gone;
 * a library must not kill its process for that, nor change the process's signal handling.
 * So SIGPIPE is blocked in this thread around every TLS call that may write, and one raised
 * by that call is consumed before unblocking (the error is seen as a failed write instead).
 */
struct pipe_guard {
        sigset_t old;
        int was_pending;
};

static void pipe_block(struct pipe_guard *g)
{
        sigset_t pipe, pending;

        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        sigpending(&pending);
        g->was_pending = sigismember(&pending, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe, &g->old);
}

static void pipe_unblock(struct pipe_guard *g)
{
        sigset_t pipe, pending;
        struct timespec none = {0, 0};

        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        sigpending(&pending);
        if (!g->was_pending && sigismember(&pending, SIGPIPE))
                sigtimedwait(&pipe, NULL, &none);
        pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* OpenSSL's latest error as text (or `fallback`), clearing its queue. */
static const char *ssl_reason(char *out, size_t n, const char *fallback)
{
        unsigned long e = ERR_peek_last_error();

        if (e)
                ERR_error_string_n(e, out, n);
        else
                snprintf(out, n, "%s", fallback);
        ERR_clear_error();
        return out;
}

/* Verify the chain unless told not to, and the name (or IP) unless identification is off. */
static void tls_verify_peer(struct kconn *c, const struct kprops *p, const char *host)
{
        const char *verify = kprops_get(p, "enable.ssl.certificate.verification");
        const char *ident = kprops_get(p, "ssl.endpoint.identification.algorithm");
        unsigned char ip[16];
        bool is_ip = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;

        if (str_eq(verify, "false")) {
                SSL_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
                return;
        }
        SSL_set_verify(c->ssl, SSL_VERIFY_PEER, NULL);
        if (!is_ip)
                SSL_set_tlsext_host_name(c->ssl, host);
        if (str_eq(ident, "none"))
                return;
        if (is_ip)
                X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host);
        else
                SSL_set1_host(c->ssl, host);
}

static int tls_setup(struct kconn *c, const struct kprops *p, const char *host, struct err *err)
{
        struct pipe_guard g;
        char why[256];
        long vr;
        int ok;

        c->ctx = ktls_context(p, err);
        if (!c->ctx)
                return -1;
        c->ssl = SSL_new(c->ctx);
        if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
                return err_nomem(err);
        tls_verify_peer(c, p, host);
        pipe_block(&g);
        ok = SSL_connect(c->ssl);
        pipe_unblock(&g);
        if (ok == 1)
                return 0;
        vr = SSL_get_verify_result(c->ssl);
        if (vr != X509_V_OK)
                return err_set(err, ERR_AUTH, "kafka %s: TLS: broker certificate refused: %s",
                               c->peer, X509_verify_cert_error_string(vr));
        return err_set(
            err, ERR_TRANSIENT, "kafka %s: TLS handshake failed: %s", c->peer,
            ssl_reason(why, sizeof(why), errno == EAGAIN ? "timed out" : "connection closed"));
}

/* --- framing ------------------------------------------------------------------------------- */

static int tls_write(SSL *ssl, const void *p, int n)
{
        struct pipe_guard g;
        int k;

        pipe_block(&g);
        k = SSL_write(ssl, p, n);
        pipe_unblock(&g);
        return k;
}

/* Read or write exactly `n` bytes. Returns 0, or -1 with a reason in `why`. */
static int io_all(struct kconn *c, void *p, size_t n, bool write, const char **why)
{
        unsigned char *b = p;

        while (n > 0) {
                ssize_t k;
                int chunk = n > INT32_MAX ? INT32_MAX : (int)n;
                errno = 0;
                if (c->ssl && write)
                        k = tls_write(c->ssl, b, chunk);
                else if (c->ssl)
                        k = SSL_read(c->ssl, b, chunk);
                else
                        k = write ? send(c->fd, b, n, MSG_NOSIGNAL) : recv(c->fd, b, n, 0);
                if (k <= 0) {
                        unsigned long e = c->ssl ? ERR_peek_last_error() : 0;
                        ERR_clear_error();
                        if (e) {
                                /* e.g. the broker's alert refusing our client certificate */
                                snprintf(c->tls_why, sizeof(c->tls_why), "TLS: %s",
                                         ERR_reason_error_string(e) ? ERR_reason_error_string(e)
                                                                    : "failed");
                                *why = c->tls_why;
                        } else if (errno == EAGAIN || errno == EWOULDBLOCK)
                                *why = "timed out";
                        else
                                *why = errno ? strerror(errno) : "connection closed by the broker";
                        return -1;
                }
                b += k;
                n -= (size_t)k;
        }
        return 0;
}

static uint32_t be32(const unsigned char *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Read the response frame to the request whose correlation id is at req->data + 8. */
static int read_response(struct kconn *c, const struct buf *req, struct buf *body, struct err *err)
{
        unsigned char head[8];
        const char *why = "";
        uint32_t size;

        if (io_all(c, head, 8, false, &why) < 0)
                return err_set(err, ERR_TRANSIENT, "kafka %s: %s", c->peer, why);
        size = be32(head);
        if (size < 4 || size > KCONN_FRAME_MAX)
                return err_set(err, ERR_INTERNAL, "kafka %s: response frame of %u bytes refused",
                               c->peer, size);
        if (memcmp(head + 4, req->data + 8, 4) != 0)
                return err_set(err, ERR_INTERNAL,
                               "kafka %s: response correlation id %u does not match %u", c->peer,
                               be32(head + 4), be32((const unsigned char *)req->data + 8));
        buf_reset(body);
        for (uint32_t left = size - 4; left > 0;) {
                unsigned char chunk[4096];
                size_t k = left < sizeof(chunk) ? left : sizeof(chunk);
                if (io_all(c, chunk, k, false, &why) < 0)
                        return err_set(err, ERR_TRANSIENT, "kafka %s: %s", c->peer, why);
                if (buf_add(body, chunk, k) < 0)
                        return err_set(err, ERR_NOMEM, "kafka %s: response larger than %zu bytes",
                                       c->peer, body->max);
                left -= (uint32_t)k;
        }
        return 0;
}

int kconn_call(struct kconn *c, struct buf *req, struct buf *body, struct err *err)
{
        const char *why = "";

        if (c->broken)
                return err_set(err, ERR_TRANSIENT,
                               "kafka %s: connection unusable after an earlier failure", c->peer);
        if (req->failed || req->len < 12)
                return err_set(err, ERR_INTERNAL, "kafka %s: request too large", c->peer);
        c->broken = 1; /* until the whole response has been read */
        if (io_all(c, req->data, req->len, true, &why) < 0)
                return err_set(err, ERR_TRANSIENT, "kafka %s: %s", c->peer, why);
        if (read_response(c, req, body, err) < 0)
                return -1;
        c->broken = 0;
        return 0;
}

int32_t kconn_next_id(struct kconn *c)
{
        c->correlation = c->correlation == INT32_MAX ? 1 : c->correlation + 1;
        return c->correlation;
}

/* --- ApiVersions ----------------------------------------------------------------------------- */

int16_t kconn_version(const struct kconn *c, int16_t api, int16_t lo, int16_t hi)
{
        int16_t bmin, bmax;

        if (api < 0 || api >= KAFKA_API_KEY_MAX || c->versions.min[api] < 0)
                return -1;
        bmin = c->versions.min[api];
        bmax = c->versions.max[api];
        if (bmax < lo || bmin > hi)
                return -1;
        if (bmax < hi)
                return bmax;
        return hi;
}

void kconn_encode_api_versions(struct buf *b, int16_t version, int32_t correlation)
{
        if (version < 3) {
                kw_request(b, KAFKA_API_API_VERSIONS, version, correlation, KCONN_CLIENT_ID);
        } else {
                kw_request_flex(b, KAFKA_API_API_VERSIONS, version, correlation, KCONN_CLIENT_ID);
                kw_cstr(b, "specmesh");
                kw_cstr(b, "0.1.0");
                kw_tags(b);
        }
        kw_finish(b);
}

int kconn_decode_api_versions(struct kreader *r, int16_t version, struct kversions *out,
                              struct err *err)
{
        bool flex = version >= 3;
        int16_t code = kr_i16(r);
        int32_t n;

        memset(out->min, 0xff, sizeof(out->min)); /* -1: not offered */
        memset(out->max, 0xff, sizeof(out->max));
        if (!r->bad && code != 0)
                return err_set(err, kafka_error_kind(code), "api versions: %s (error %d)",
                               kafka_error_name(code), code);
        n = kr_array(r, flex, 4096);
        for (int32_t i = 0; i < n && !r->bad; i++) {
                int16_t api = kr_i16(r), lo = kr_i16(r), hi = kr_i16(r);
                kr_end(r, flex);
                if (api >= 0 && api < KAFKA_API_KEY_MAX && lo >= 0 && hi >= lo) {
                        out->min[api] = lo;
                        out->max[api] = hi;
                }
        }
        if (version >= 1)
                kr_i32(r); /* throttle */
        kr_end(r, flex);
        if (r->bad)
                return err_set(err, ERR_INTERNAL, "api versions: malformed response");
        return 0;
}

/* The error code that starts an ApiVersions response body (0 when too short). */
static int16_t leading_code(const struct buf *body)
{
        struct kreader r;

        kr_init(&r, body->data, body->len);
        return kr_i16(&r);
}

/* Ask for v3; a broker that lacks it answers UNSUPPORTED_VERSION (in v0 form): ask again. */
static int api_versions(struct kconn *c, struct err *err)
{
        struct buf req, body;
        struct kreader r;
        int16_t v = 3;
        int rc = -1;

        buf_init(&req, 4096);
        buf_init(&body, 1u << 20);
        for (;;) {
                buf_reset(&req);
                kconn_encode_api_versions(&req, v, kconn_next_id(c));
                if (kconn_call(c, &req, &body, err) < 0)
                        break;
                kr_init(&r, body.data, body.len);
                rc = kconn_decode_api_versions(&r, v, &c->versions, err);
                if (rc == 0 || v == 0 || leading_code(&body) != KAFKA_ERR_UNSUPPORTED_VERSION)
                        break;
                v = 0;
        }
        if (rc < 0 && err->kind != ERR_TRANSIENT)
                err_prefix(err, "kafka %s", c->peer);
        buf_release(&req);
        buf_release(&body);
        return rc;
}

/* --- open / close ---------------------------------------------------------------------------- */

void kconn_close(struct kconn *c)
{
        if (!c)
                return;
        if (c->ssl) {
                struct pipe_guard g;
                pipe_block(&g);
                SSL_shutdown(c->ssl); /* close_notify; the broker may be gone already */
                pipe_unblock(&g);
                SSL_free(c->ssl);
        }
        SSL_CTX_free(c->ctx);
        if (c->fd >= 0)
                close(c->fd);
        free(c);
}

static bool is_proto(const char *proto, const char *name)
{
        return strcasecmp(proto, name) == 0;
}

struct kconn *kconn_open(const struct kprops *p, int timeout_ms, struct err *err)
{
        const char *servers = kprops_get(p, "bootstrap.servers");
        const char *proto = kprops_get(p, "security.protocol");
        struct kconn *c = calloc(1, sizeof(*c));
        struct hostport hp;

        if (!c) {
                err_nomem(err);
                return NULL;
        }
        c->fd = -1;
        c->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
        proto = proto ? proto : "PLAINTEXT";
        if (!is_proto(proto, "PLAINTEXT") && !is_proto(proto, "SSL") &&
            !is_proto(proto, "SASL_PLAINTEXT") && !is_proto(proto, "SASL_SSL")) {
                err_set(err, ERR_INVALID, "kafka config: unknown security.protocol '%s'", proto);
                goto fail;
        }
        if (connect_any(c, servers ? servers : "", &hp, err) < 0)
                goto fail;
        if ((is_proto(proto, "SSL") || is_proto(proto, "SASL_SSL")) &&
            tls_setup(c, p, hp.host, err) < 0)
                goto fail;
        if (api_versions(c, err) < 0)
                goto fail;
        if (strncasecmp(proto, "SASL_", 5) == 0 && kconn_sasl(c, p, err) < 0)
                goto fail;
        return c;
fail:
        kconn_close(c);
        return NULL;
}
