#include "pkg/runtime/httpd.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pkg/base/err.h"

#define BIG (8u << 20)

static void handler(void *arg, const struct httpd_request *r, struct httpd_response *w)
{
        (void)arg;
        if (strcmp(r->path, "/healthz") == 0) {
                buf_puts(&w->body, "ok\n");
        } else if (strcmp(r->path, "/big") == 0) {
                for (size_t i = 0; i < BIG / 64; i++)
                        buf_puts(&w->body, "0123456789012345678901234567890123456789012345678901"
                                           "23456789012\n");
        } else if (strcmp(r->path, "/q") == 0) {
                const char *v = httpd_query(r, "tag");
                w->content_type = "text/html";
                buf_printf(&w->body, "tag=%s\n", v ? v : "(none)");
        } else {
                w->status = 404;
                buf_puts(&w->body, "not found\n");
        }
}

static int dial(int family, int port)
{
        int fd = socket(family, SOCK_STREAM, 0);

        cr_assert_geq(fd, 0);
        if (family == AF_INET6) {
                struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
                a.sin6_addr = in6addr_loopback;
                cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0, "connect [::1]");
        } else {
                struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
                a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0, "connect 127.0.0.1");
        }
        return fd;
}

/* One request; the whole answer (up to `n` bytes) in `out`. */
static void get(int family, int port, const char *req, char *out, size_t n)
{
        int fd = dial(family, port);
        size_t got = 0;
        ssize_t r;

        cr_assert_eq(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
        while (got + 1 < n) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (poll(&p, 1, 5000) != 1)
                        break;
                r = recv(fd, out + got, n - 1 - got, 0);
                if (r <= 0)
                        break;
                got += (size_t)r;
        }
        out[got] = 0;
        close(fd);
}

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

Test(httpd, probes_answer_while_clients_hold_connections, .timeout = 60)
{
        struct httpd h;
        struct err err;
        int idle[50], slow;
        char out[4096];
        double worst = 0;

        err_clear(&err);
        cr_assert_eq(httpd_start(&h, "127.0.0.1:0", NULL, handler, NULL, &err), 0, "%s", err.msg);
        for (int i = 0; i < 50; i++)
                idle[i] = dial(AF_INET, h.port); /* connected, never a byte */
        /* a slow reader: asks for 8 MiB and reads nothing */
        slow = dial(AF_INET, h.port);
        send(slow, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n", 31, MSG_NOSIGNAL);
        usleep(200 * 1000);
        for (int i = 0; i < 20; i++) {
                double t0 = now_ms(), dt;
                get(AF_INET, h.port,
                    "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", out,
                    sizeof(out));
                dt = now_ms() - t0;
                worst = dt > worst ? dt : worst;
                cr_assert_not_null(strstr(out, "HTTP/1.1 200"), "%s", out);
                cr_assert_not_null(strstr(out, "\r\n\r\nok\n"));
        }
        cr_log_info("worst probe: %.1f ms with 50 idle connections and a slow reader", worst);
        cr_assert_lt(worst, 100.0, "a probe took %.1f ms", worst);
        for (int i = 0; i < 50; i++)
                close(idle[i]);
        close(slow);
        httpd_stop(&h);
}

Test(httpd, dual_stack_query_methods_and_limits, .timeout = 60)
{
        struct httpd h;
        struct err err;
        char out[65536], big[40000];

        err_clear(&err);
        cr_assert_eq(httpd_start(&h, ":0", NULL, handler, NULL, &err), 0, "%s", err.msg);
        get(AF_INET, h.port, "GET /healthz HTTP/1.0\r\n\r\n", out, sizeof(out));
        cr_assert_not_null(strstr(out, " 200 "), "IPv4: %s", out);
        get(AF_INET6, h.port, "GET /healthz HTTP/1.0\r\n\r\n", out, sizeof(out));
        cr_assert_not_null(strstr(out, " 200 "), "IPv6: %s", out);
        get(AF_INET, h.port, "GET /q?tag=a%20b HTTP/1.0\r\n\r\n", out, sizeof(out));
        cr_assert_not_null(strstr(out, "tag=a b\n"), "%s", out);
        cr_assert_not_null(strstr(out, "Content-Security-Policy: default-src 'none'"));
        get(AF_INET, h.port, "GET /nope HTTP/1.0\r\n\r\n", out, sizeof(out));
        cr_assert_not_null(strstr(out, " 404 "), "%s", out);
        get(AF_INET, h.port, "POST /healthz HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", out,
            sizeof(out));
        cr_assert_not_null(strstr(out, " 405 "), "%s", out);
        /* a request larger than the limit is refused, and the server carries on */
        memset(big, 'a', sizeof(big));
        memcpy(big, "GET /healthz HTTP/1.0\r\nX: ", 26);
        memcpy(big + sizeof(big) - 5, "\r\n\r\n", 5);
        get(AF_INET, h.port, big, out, sizeof(out));
        cr_assert_null(strstr(out, " 200 "), "%s", out);
        get(AF_INET, h.port, "GET /healthz HTTP/1.0\r\n\r\n", out, sizeof(out));
        cr_assert_not_null(strstr(out, " 200 "), "%s", out);
        httpd_stop(&h);
}

Test(httpd, bad_address)
{
        struct httpd h;
        struct err err;

        err_clear(&err);
        cr_assert_eq(httpd_start(&h, "nowhere", NULL, handler, NULL, &err), -1);
        cr_assert_not_null(strstr(err.msg, "nowhere"));
        httpd_stop(&h);
}
