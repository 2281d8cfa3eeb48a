/*
 * The operator's HTTP port (/healthz, /readyz, /metrics, and the read-only catalogue), served
 * by libmicrohttpd: one thread per connection, so an idle client, a slow reader or a large
 * page never holds up the kubelet's probes; connections time out when idle; requests are
 * capped in size and number. "0.0.0.0:PORT", ":PORT" and "[::]:PORT" listen on IPv4 and IPv6
 * (dual stack); "127.0.0.1:PORT" or "[::1]:PORT" on that address only. Only GET and HEAD;
 * anything else is 405.
 */
#ifndef PKG_RUNTIME_HTTPD_H
#define PKG_RUNTIME_HTTPD_H

#include <stdbool.h>

#include "pkg/base/buf.h"

struct err;
struct MHD_Daemon;

struct httpd_request {
        const char *path; /* without the query */
        void *conn;       /* for httpd_query() */
};

struct httpd_response {
        int status;               /* 200 unless the handler says otherwise */
        const char *content_type; /* static string; default text/plain (Prometheus 0.0.4) */
        struct buf body;          /* capped at HTTPD_BODY_MAX */
};

#define HTTPD_BODY_MAX (32u << 20)

/* Fill `w` for request `r`. Called from many threads at once. */
typedef void (*httpd_fn)(void *arg, const struct httpd_request *r, struct httpd_response *w);

/* The value of query parameter `key` (decoded), or NULL. Borrowed: valid during the call. */
const char *httpd_query(const struct httpd_request *r, const char *key);

struct httpd_limits {
        unsigned timeout_s;       /* idle connection timeout; 0: 15 s */
        unsigned max_connections; /* 0: 256 */
        unsigned max_request;     /* bytes of request line + headers; 0: 16 KiB */
};

struct httpd {
        struct MHD_Daemon *d;
        httpd_fn fn;
        void *arg;
        int port; /* the bound port (useful with port 0) */
};

/*
 * Listen on `addr` and serve in libmicrohttpd's threads. `limits` may be NULL (defaults).
 * Returns 0, or -1 with `err` naming the address.
 */
int httpd_start(struct httpd *h, const char *addr, const struct httpd_limits *limits, httpd_fn fn,
                void *arg, struct err *err);

/* Stop listening, finish the connections, join the threads. Safe on a never-started httpd. */
void httpd_stop(struct httpd *h);

#endif
