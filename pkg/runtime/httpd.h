/*
 * The operator's one HTTP port: /healthz, /readyz and /metrics, served by one thread with
 * blocking sockets (a scrape or a probe every few seconds needs nothing more). Only GET;
 * anything else is 404 or 405.
 */
#ifndef PKG_RUNTIME_HTTPD_H
#define PKG_RUNTIME_HTTPD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct buf;
struct err;

/* Fill `out` with the body for `path`; return the HTTP status (200, 503, 404). */
typedef int (*httpd_fn)(void *arg, const char *path, struct buf *out);

struct httpd {
        int fd;
        httpd_fn fn;
        void *arg;
        pthread_t thread;
        atomic_int stop;
        bool running;
        int port; /* the bound port (useful with port 0) */
};

/* Listen on `addr` ("HOST:PORT", e.g. "127.0.0.1:8080", "0.0.0.0:0") and serve in a thread. */
int httpd_start(struct httpd *h, const char *addr, httpd_fn fn, void *arg, struct err *err);
void httpd_stop(struct httpd *h);

#endif
