/*
 * The HTTP port on libmicrohttpd. Handlers fill a buffer; this file owns the sockets, the
 * threads and the limits.
 */
#include "pkg/runtime/httpd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "pkg/base/err.h"
#include "pkg/base/banned.h"

#define DEFAULT_CT "text/plain; version=0.0.4"

union addr {
        struct sockaddr sa;
        struct sockaddr_in v4;
        struct sockaddr_in6 v6;
};

/* "HOST:PORT", ":PORT", "[V6]:PORT" -> address; *dual when it means every address. */
static int parse_addr(const char *addr, union addr *a, bool *dual)
{
        char host[64];
        const char *colon = strrchr(addr, ':');
        size_t n;
        long port;
        char *end;

        if (!colon)
                return -1;
        n = (size_t)(colon - addr);
        if (addr[0] == '[' && n >= 2 && addr[n - 1] == ']') {
                addr++;
                n -= 2;
        }
        if (n >= sizeof(host))
                return -1;
        memcpy(host, addr, n);
        host[n] = 0;
        port = strtol(colon + 1, &end, 10);
        if (!colon[1] || *end || port < 0 || port > 65535)
                return -1;
        memset(a, 0, sizeof(*a));
        *dual = !host[0] || !strcmp(host, "0.0.0.0") || !strcmp(host, "::");
        if (*dual || strchr(host, ':')) {
                a->v6.sin6_family = AF_INET6;
                a->v6.sin6_port = htons((uint16_t)port);
                a->v6.sin6_addr = in6addr_any;
                return *dual || inet_pton(AF_INET6, host, &a->v6.sin6_addr) == 1 ? 0 : -1;
        }
        a->v4.sin_family = AF_INET;
        a->v4.sin_port = htons((uint16_t)port);
        return inet_pton(AF_INET, host, &a->v4.sin_addr) == 1 ? 0 : -1;
}

const char *httpd_query(const struct httpd_request *r, const char *key)
{
        return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

static enum MHD_Result reply(struct MHD_Connection *conn, int status, const char *ctype,
                             const char *body, size_t len)
{
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
        enum MHD_Result rc;

        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
        MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
        /* pages carry text from specs: no script runs here, whatever it says */
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                                "form-action 'self'");
        rc = MHD_queue_response(conn, (unsigned)status, resp);
        MHD_destroy_response(resp);
        return rc;
}

/* libmicrohttpd calls this once per request with the headers read (and again per body chunk,
 * which nothing here accepts: only GET and HEAD). */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **state)
{
        struct httpd *h = cls;
        struct httpd_request r = {url, conn};
        struct httpd_response w = {200, DEFAULT_CT, {0}};
        enum MHD_Result rc;

        (void)version;
        (void)upload_data;
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
                *upload_size = 0; /* the body is not read: the connection closes after */
                return reply(conn, 405, DEFAULT_CT, "only GET\n", 9);
        }
        if (!*state) { /* the first call only has the headers; answer on the second */
                *state = h;
                return MHD_YES;
        }
        buf_init(&w.body, HTTPD_BODY_MAX);
        h->fn(h->arg, &r, &w);
        if (w.body.failed)
                rc = reply(conn, 500, DEFAULT_CT, "response too large\n", 19);
        else
                rc = reply(conn, w.status, w.content_type, w.body.data ? w.body.data : "",
                           w.body.len);
        buf_release(&w.body);
        return rc;
}

static int bound_port(struct MHD_Daemon *d)
{
        const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);

        return i ? i->port : -1;
}

int httpd_start(struct httpd *h, const char *addr, const struct httpd_limits *limits, httpd_fn fn,
                void *arg, struct err *err)
{
        struct httpd_limits l = limits ? *limits : (struct httpd_limits){0};
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                         MHD_USE_POLL | MHD_USE_ERROR_LOG;
        union addr a;
        bool dual;

        memset(h, 0, sizeof(*h));
        if (parse_addr(addr, &a, &dual) < 0)
                return err_set(err, ERR_INVALID,
                               "http address '%s': expected HOST:PORT, :PORT or [V6]:PORT", addr);
        if (a.sa.sa_family == AF_INET6)
                flags |= dual ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
        h->fn = fn;
        h->arg = arg;
        h->d = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, &a.sa,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(l.timeout_s ? l.timeout_s : 15),
            MHD_OPTION_CONNECTION_LIMIT, (unsigned)(l.max_connections ? l.max_connections : 256),
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(l.max_request ? l.max_request : 16384),
            MHD_OPTION_THREAD_STACK_SIZE, (size_t)(1u << 20), MHD_OPTION_LISTENING_ADDRESS_REUSE,
            (unsigned)1, MHD_OPTION_END);
        if (!h->d)
                return err_set(err, ERR_INVALID, "http address %s: cannot listen (in use?)", addr);
        h->port = bound_port(h->d);
        return 0;
}

void httpd_stop(struct httpd *h)
{
        if (h->d)
                MHD_stop_daemon(h->d);
        h->d = NULL;
}
