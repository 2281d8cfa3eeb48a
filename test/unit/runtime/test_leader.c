#include "pkg/runtime/leader.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pkg/base/err.h"
#include "pkg/kube/kube.h"

static double now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A server that accepts connections (the kernel's backlog) and never answers: a stopped or
 * frozen API server. Returns the listening socket; its port in *port. */
static int hung_server(int *port)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t n = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM, 0);

        cr_assert(fd >= 0);
        cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        cr_assert_eq(listen(fd, 16), 0);
        cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &n), 0);
        *port = ntohs(a.sin_port);
        return fd;
}

Test(leader, a_hung_api_server_ends_leadership_within_the_renew_deadline)
{
        int port, fd = hung_server(&port);
        char server[64];
        struct kube_config kc;
        struct err err;
        atomic_int stop = 0;
        struct leader l = {.ns = "specmesh-system",
                           .name = "specmesh-operator",
                           .id = "me",
                           .duration_s = 3,
                           .renew_deadline_s = 2,
                           .retry_s = 1,
                           .stop = &stop};

        memset(&kc, 0, sizeof(kc));
        snprintf(server, sizeof(server), "http://127.0.0.1:%d", port);
        kc.server = server;
        kc.source = "test";
        err_clear(&err);
        cr_assert_eq(leader_init(&l, &kc, &err), 0, "%s", err.msg);
        atomic_store(&l.leading, true); /* as if leader_acquire() had just succeeded */
        double t0 = now();
        leader_start_renewing(&l);
        while (!atomic_load(&l.lost) && now() - t0 < 40) {
                struct timespec ts = {0, 20 * 1000000L};
                nanosleep(&ts, NULL);
        }
        double took = now() - t0;
        cr_assert(atomic_load(&l.lost), "never lost the lease");
        cr_assert(!atomic_load(&l.leading));
        /* a request hangs for 30 s by default: without a bound the loss came after that */
        cr_assert_lt(took, 2.5,
                     "leadership ended %.2f s after the last renewal: past the renew "
                     "deadline (2 s), close to the lease duration (3 s)",
                     took);
        cr_assert_geq(took, 1.9, "leadership ended %.2f s after the last renewal: early", took);
        atomic_store(&stop, 1);
        leader_release(&l);
        close(fd);
}
