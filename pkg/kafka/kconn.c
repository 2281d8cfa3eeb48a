#include "pkg/kafka/quota.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kafka/kconn.h"
#include "pkg/kafka/kproto.h"
#include "pkg/kafka/props.h"
#include "pkg/kafka/scram.h"
#include "pkg/base/banned.h"

#define FRAME_MAX (16u << 20)

/* "SASL_PLAINTEXT://host:9092,host2:9092" -> host, port of the first entry. */
static int first_server(const char *servers, char *host, size_t hn, char *port, size_t pn)
{
        const char *s = strstr(servers, "://");
        size_t n;
        const char *colon;

        s = s ? s + 3 : servers;
        n = strcspn(s, ",");
        colon = memrchr(s, ':', n);
        if (!colon || colon == s || (size_t)(colon - s) >= hn || n - (size_t)(colon - s) > pn)
                return -1;
        snprintf(host, hn, "%.*s", (int)(colon - s), s);
        snprintf(port, pn, "%.*s", (int)(n - (size_t)(colon - s) - 1), colon + 1);
        return 0;
}

static int connect_tcp(struct kconn *c, const char *host, const char *port, struct err *err)
{
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
        struct timeval tv = {c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000};
        int rc = getaddrinfo(host, port, &hints, &ai);

        if (rc != 0)
                return err_set(err, ERR_TRANSIENT, "kafka %s: %s", c->peer, gai_strerror(rc));
        for (struct addrinfo *a = ai; a && c->fd < 0; a = a->ai_next) {
                struct pollfd pfd;
                int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0), soerr = 0;
                socklen_t sl = sizeof(soerr);
                if (fd < 0)
                        continue;
                fcntl(fd, F_SETFL, O_NONBLOCK);
                if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno == EINPROGRESS) {
                        pfd = (struct pollfd){.fd = fd, .events = POLLOUT};
                        if (poll(&pfd, 1, c->timeout_ms) == 1)
                                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
                        else
                                soerr = ETIMEDOUT;
                        errno = soerr;
                } else {
                        soerr = errno = 0;
                }
                if (soerr) {
                        close(fd);
                        continue;
                }
                fcntl(fd, F_SETFL, 0);
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
                c->fd = fd;
        }
        rc = errno;
        freeaddrinfo(ai);
        if (c->fd < 0)
                return err_set(err, ERR_TRANSIENT, "kafka %s: cannot connect: %s", c->peer,
                               strerror(rc ? rc : ECONNREFUSED));
        return 0;
}

static int tls_setup(struct kconn *c, const struct kprops *p, const char *host, struct err *err)
{
        const char *ca = kprops_get(p, "ssl.ca.location");
        const char *cert = kprops_get(p, "ssl.certificate.location");
        const char *key = kprops_get(p, "ssl.key.location");
        const char *verify = kprops_get(p, "enable.ssl.certificate.verification");
        const char *ident = kprops_get(p, "ssl.endpoint.identification.algorithm");

        c->ctx = SSL_CTX_new(TLS_client_method());
        if (!c->ctx)
                return err_nomem(err);
        if (kprops_get(p, "ssl.key.password"))
                SSL_CTX_set_default_passwd_cb_userdata(c->ctx,
                                                       (void *)kprops_get(p, "ssl.key.password"));
        if ((ca ? SSL_CTX_load_verify_locations(c->ctx, ca, NULL)
                : SSL_CTX_set_default_verify_paths(c->ctx)) != 1 ||
            (cert && SSL_CTX_use_certificate_chain_file(c->ctx, cert) != 1) ||
            (key && SSL_CTX_use_PrivateKey_file(c->ctx, key, SSL_FILETYPE_PEM) != 1))
                return err_set(err, ERR_INVALID, "kafka %s: TLS setup: %s", c->peer,
                               ERR_reason_error_string(ERR_get_error()));
        SSL_CTX_set_verify(c->ctx, str_eq(verify, "false") ? SSL_VERIFY_NONE : SSL_VERIFY_PEER,
                           NULL);
        c->ssl = SSL_new(c->ctx);
        if (!c->ssl)
                return err_nomem(err);
        SSL_set_fd(c->ssl, c->fd);
        SSL_set_tlsext_host_name(c->ssl, host);
        if (!str_eq(ident, "none") && !str_eq(verify, "false"))
                SSL_set1_host(c->ssl, host);
        if (SSL_connect(c->ssl) != 1)
                return err_set(err, ERR_AUTH, "kafka %s: TLS handshake failed: %s", c->peer,
                               ERR_reason_error_string(ERR_get_error())
                                   ? ERR_reason_error_string(ERR_get_error())
                                   : "peer closed the connection");
        return 0;
}

static int io_all(struct kconn *c, void *p, size_t n, bool write)
{
        unsigned char *b = p;

        while (n > 0) {
                ssize_t k;
                if (c->ssl)
                        k = write ? SSL_write(c->ssl, b, (int)n) : SSL_read(c->ssl, b, (int)n);
                else
                        k = write ? send(c->fd, b, n, MSG_NOSIGNAL) : recv(c->fd, b, n, 0);
                if (k <= 0)
                        return -1;
                b += k;
                n -= (size_t)k;
        }
        return 0;
}

int kconn_call(struct kconn *c, struct buf *req, struct buf *body, struct err *err)
{
        unsigned char head[8];
        uint32_t size;
        int32_t id = 0;

        if (req->failed)
                return err_set(err, ERR_INTERNAL, "kafka %s: request too large", c->peer);
        memcpy(&id, req->data + 8, 4);
        if (io_all(c, req->data, req->len, true) < 0 || io_all(c, head, 8, false) < 0)
                return err_set(err, ERR_TRANSIENT, "kafka %s: connection lost: %s", c->peer,
                               errno ? strerror(errno) : "closed by the broker");
        size = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
        if (size < 4 || size > FRAME_MAX || memcmp(head + 4, &id, 4) != 0)
                return err_set(err, ERR_INTERNAL, "kafka %s: malformed response frame", c->peer);
        buf_reset(body);
        for (uint32_t left = size - 4; left > 0;) {
                unsigned char chunk[4096];
                size_t k = left < sizeof(chunk) ? left : sizeof(chunk);
                if (io_all(c, chunk, k, false) < 0 || buf_add(body, chunk, k) < 0)
                        return err_set(err, ERR_TRANSIENT, "kafka %s: connection lost", c->peer);
                left -= (uint32_t)k;
        }
        return 0;
}

int32_t kconn_next_id(struct kconn *c)
{
        return ++c->correlation;
}

void kconn_close(struct kconn *c)
{
        if (!c)
                return;
        if (c->ssl) {
                SSL_shutdown(c->ssl);
                SSL_free(c->ssl);
        }
        SSL_CTX_free(c->ctx);
        if (c->fd >= 0)
                close(c->fd);
        free(c);
}

struct kconn *kconn_open(const struct kprops *p, int timeout_ms, struct err *err)
{
        const char *servers = kprops_get(p, "bootstrap.servers");
        const char *proto = kprops_get(p, "security.protocol");
        struct kconn *c = calloc(1, sizeof(*c));
        char host[256], port[16];

        if (!c) {
                err_nomem(err);
                return NULL;
        }
        c->fd = -1;
        c->timeout_ms = timeout_ms;
        if (!servers || first_server(servers, host, sizeof(host), port, sizeof(port)) < 0) {
                err_set(err, ERR_INVALID, "kafka config: bad bootstrap.servers '%s'",
                        servers ? servers : "");
                goto fail;
        }
        snprintf(c->peer, sizeof(c->peer), "%s:%s", host, port);
        proto = proto ? proto : "PLAINTEXT";
        if (connect_tcp(c, host, port, err) < 0)
                goto fail;
        if ((strcasecmp(proto, "SSL") == 0 || strcasecmp(proto, "SASL_SSL") == 0) &&
            tls_setup(c, p, host, err) < 0)
                goto fail;
        if (strncasecmp(proto, "SASL_", 5) == 0 && kconn_sasl(c, p, err) < 0)
                goto fail;
        return c;
fail:
        kconn_close(c);
        return NULL;
}
