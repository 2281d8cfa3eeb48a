/*
 * The health and metrics endpoint.
 */
#include "pkg/runtime/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/banned.h"

#define BODY_MAX (1u << 20)

static int parse_addr(const char *addr, struct sockaddr_in *sa)
{
        char host[64];
        const char *colon = strrchr(addr, ':');
        long port;
        char *end;

        if (!colon || (size_t)(colon - addr) >= sizeof(host))
                return -1;
        memcpy(host, addr, (size_t)(colon - addr));
        host[colon - addr] = 0;
        port = strtol(colon + 1, &end, 10);
        if (*end || port < 0 || port > 65535)
                return -1;
        memset(sa, 0, sizeof(*sa));
        sa->sin_family = AF_INET;
        sa->sin_port = htons((uint16_t)port);
        if (!host[0])
                snprintf(host, sizeof(host), "0.0.0.0");
        return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static void send_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
                if (w <= 0)
                        return;
                p += w;
                n -= (size_t)w;
        }
}

static const char *reason(int status)
{
        switch (status) {
        case 200:
                return "OK";
        case 404:
                return "Not Found";
        case 405:
                return "Method Not Allowed";
        default:
                return "Service Unavailable";
        }
}

/* Read the request line, answer, close. */
static void serve(struct httpd *h, int fd)
{
        char req[2048], method[8], path[256], head[256];
        struct pollfd p = {.fd = fd, .events = POLLIN};
        struct buf body;
        ssize_t n = 0;
        int status, len;

        if (poll(&p, 1, 2000) == 1)
                n = recv(fd, req, sizeof(req) - 1, 0);
        if (n <= 0)
                return;
        req[n] = 0;
        if (sscanf(req, "%7s %255s", method, path) != 2)
                return;
        buf_init(&body, BODY_MAX);
        if (strcmp(method, "GET") != 0) {
                status = 405;
                buf_puts(&body, "only GET\n");
        } else {
                char *q = strchr(path, '?');
                if (q)
                        *q = 0;
                status = h->fn(h->arg, path, &body);
        }
        len = snprintf(head, sizeof(head),
                       "HTTP/1.1 %d %s\r\nContent-Type: text/plain; version=0.0.4\r\n"
                       "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                       status, reason(status), body.len);
        send_all(fd, head, (size_t)len);
        if (body.len)
                send_all(fd, body.data, body.len);
        buf_release(&body);
}

static void *loop(void *arg)
{
        struct httpd *h = arg;

        while (!atomic_load(&h->stop)) {
                struct pollfd p = {.fd = h->fd, .events = POLLIN};
                int c;
                if (poll(&p, 1, 500) != 1)
                        continue;
                c = accept(h->fd, NULL, NULL);
                if (c < 0)
                        continue;
                serve(h, c);
                close(c);
        }
        return NULL;
}

int httpd_start(struct httpd *h, const char *addr, httpd_fn fn, void *arg, struct err *err)
{
        struct sockaddr_in sa;
        socklen_t sl = sizeof(sa);
        int one = 1;

        memset(h, 0, sizeof(*h));
        h->fd = -1;
        if (parse_addr(addr, &sa) < 0)
                return err_set(err, ERR_INVALID, "metrics address '%s': expected IPv4:PORT", addr);
        h->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (h->fd < 0)
                return err_set(err, ERR_INTERNAL, "socket: %s", strerror(errno));
        setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(h->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(h->fd, 16) < 0) {
                err_set(err, ERR_INVALID, "metrics address %s: %s", addr, strerror(errno));
                close(h->fd);
                h->fd = -1;
                return -1;
        }
        getsockname(h->fd, (struct sockaddr *)&sa, &sl);
        h->port = ntohs(sa.sin_port);
        h->fn = fn;
        h->arg = arg;
        if (pthread_create(&h->thread, NULL, loop, h) != 0) {
                close(h->fd);
                h->fd = -1;
                return err_set(err, ERR_INTERNAL, "cannot start the metrics thread");
        }
        h->running = true;
        return 0;
}

void httpd_stop(struct httpd *h)
{
        if (h->running) {
                atomic_store(&h->stop, 1);
                pthread_join(h->thread, NULL);
                h->running = false;
        }
        if (h->fd >= 0)
                close(h->fd);
        h->fd = -1;
}
