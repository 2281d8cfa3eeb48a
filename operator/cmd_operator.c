/*
 * `specmesh operator`: the Kubernetes controller. Wiring only: flags, signals, the health
 * and metrics port, leader election, the controller and its workers.
 */
#include "operator/operator.h"
#include "pkg/runtime/combine.h"

#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/log.h"
#include "operator/access.h"
#include "pkg/base/str.h"
#include "pkg/kafka/kafka.h"
#include "pkg/kube/kube.h"
#include "pkg/registry/registry.h"
#include "pkg/runtime/httpd.h"
#include "pkg/runtime/leader.h"
#include "pkg/base/banned.h"

static const char usage[] =
    "usage: specmesh operator [flags] [connection flags]\n\n"
    "Run the Kubernetes controller: watch DataProduct resources and keep Kafka and the schema\n"
    "registry in line with them, writing what happened to each resource's status.\n\n"
    "  --kubeconfig FILE       kubeconfig to use (default: $KUBECONFIG, then the in-cluster\n"
    "                          service account, then ~/.kube/config)\n"
    "  --namespace NS          watch only this namespace (default: all)\n"
    "  --workers N             reconciles run in parallel (default 2), plus one that\n"
    "                          takes only changes (edits, deletions), so that an\n"
    "                          edit does not wait behind a bulk load or a resync\n"
    "  --resync DURATION       re-check every DataProduct this often for drift: 300, 300s,\n"
    "                          5m (default 5m; 0: never)\n"
    "  --metrics-addr ADDR     /healthz, /readyz, /metrics and the read-only catalogue\n"
    "                          (/catalogue, /api/v1/products, /topology,\n"
    "                          /backstage/catalog-info.yaml) on HOST:PORT; 0.0.0.0:PORT and\n"
    "                          :PORT mean IPv4 and IPv6 (default 0.0.0.0:8080; \"0\": off)\n"
    "  --access-requests       also decide AccessRequests (crds/accessrequests.specmesh.io.yaml)\n"
    "  --leader-elect          hold a Lease so only one replica acts\n"
    "  --lease-namespace NS    the Lease's namespace (default $POD_NAMESPACE, else\n"
    "                          specmesh-system)\n"
    "  --lease-name NAME       default specmesh-operator\n"
    "  --lease-duration D      default 15s; --renew-deadline D default 10s; --retry-period D\n"
    "                          default 2s\n"
    "  --identity ID           this candidate's name (default: hostname_pid)\n"
    "  --observe-window MS     reconciles within this many milliseconds of a reading's end\n"
    "                          share it: one reading of Kafka's topics, ACLs and quotas and\n"
    "                          of the registry's subject list (never one older than the\n"
    "                          product's own last change);\n"
    "                          default 1000; 0: every reconcile reads for itself and\n"
    "                          sends its own Kafka writes (else the writes of reconciles\n"
    "                          that meet go out as one request per kind of change)\n"
    "  --stall-after D         a DataProduct whose reconcile keeps failing (a backend\n"
    "                          unreachable) turns Stalled, with a Warning Event, after this\n"
    "                          long; retries go on (default 5m; 0: never)\n"
    "  --log-level LEVEL       debug, info (default), warn, error\n"
    "  --log-format FORMAT     text (default) or json\n\n"
    "Storage and consumer lag (specmesh_topic_bytes, specmesh_consumer_lag; status.usage) are\n"
    "read every $SPECMESH_USAGE_INTERVAL seconds (default 300; 0: never).\n"
    "SIGTERM or SIGINT stops it: in-flight reconciles finish, the Lease is released.\n"
    "Exit: 0 after a clean stop, 1 on a start-up error or when leadership was lost (at\n"
    "once, within the renew deadline: in-flight reconciles are left to the next leader).\n\n";

/* lock-free, so the signal handler may set it (C11 7.14.1.1); every thread reads it */
static atomic_int stopping;

static void on_signal(int sig)
{
        (void)sig;
        atomic_store(&stopping, 1);
}

struct opts {
        const char *kubeconfig, *namespace, *metrics_addr, *lease_ns, *lease_name;
        char identity[256];
        int workers, resync_s, lease_s, renew_s, retry_s, stall_s, window_ms;
        bool leader_elect, access_requests;
        enum log_level level;
        enum log_format format;
};

enum {
        O_KUBECONFIG = 0x200,
        O_NAMESPACE,
        O_WORKERS,
        O_RESYNC,
        O_METRICS,
        O_ELECT,
        O_LEASE_NS,
        O_LEASE_NAME,
        O_LEASE_S,
        O_RENEW_S,
        O_RETRY_S,
        O_IDENTITY,
        O_LOG_LEVEL,
        O_LOG_FORMAT,
        O_ACCESS,
        O_STALL,
        O_WINDOW,
};

/* A count, or for durations seconds with an optional unit: "300", "300s", "5m", "1h". */
static int int_flag(const char *name, const char *v, int min, int max, int *out)
{
        char num[32];
        size_t n = strlen(v);
        long x, unit = 1;

        snprintf(num, sizeof(num), "%s", v);
        bool count = strcmp(name, "workers") == 0 || strcmp(name, "observe-window") == 0;

        if (n > 1 && n < sizeof(num) && strchr("smh", v[n - 1]) && !count) {
                unit = v[n - 1] == 'h' ? 3600 : v[n - 1] == 'm' ? 60 : 1;
                num[n - 1] = 0;
        }
        if (str_to_long(num, 0, max, &x) < 0 || x * unit < min || x * unit > max) {
                fprintf(stderr, "specmesh operator: --%s wants %s %d..%d, not '%s'\n", name,
                        count ? "a number" : "seconds", min, max, v);
                return -1;
        }
        *out = (int)(x * unit);
        return 0;
}

static int take_flag(struct opts *o, int opt, const char *v)
{
        switch (opt) {
        case O_KUBECONFIG:
                o->kubeconfig = v;
                return 0;
        case O_NAMESPACE:
                o->namespace = v;
                return 0;
        case O_WORKERS:
                return int_flag("workers", v, 1, 64, &o->workers);
        case O_RESYNC:
                return int_flag("resync", v, 0, 86400, &o->resync_s);
        case O_METRICS:
                o->metrics_addr = v;
                return 0;
        case O_ELECT:
                o->leader_elect = true;
                return 0;
        case O_ACCESS:
                o->access_requests = true;
                return 0;
        case O_LEASE_NS:
                o->lease_ns = v;
                return 0;
        case O_LEASE_NAME:
                o->lease_name = v;
                return 0;
        case O_LEASE_S:
                return int_flag("lease-duration", v, 2, 3600, &o->lease_s);
        case O_RENEW_S:
                return int_flag("renew-deadline", v, 1, 3600, &o->renew_s);
        case O_RETRY_S:
                return int_flag("retry-period", v, 1, 3600, &o->retry_s);
        case O_STALL:
                return int_flag("stall-after", v, 0, 86400, &o->stall_s);
        case O_WINDOW:
                return int_flag("observe-window", v, 0, 60000, &o->window_ms);
        case O_IDENTITY:
                snprintf(o->identity, sizeof(o->identity), "%s", v);
                return 0;
        case O_LOG_LEVEL:
                if (log_level_parse(v, &o->level) == 0)
                        return 0;
                fprintf(stderr, "specmesh operator: unknown log level '%s'\n", v);
                return -1;
        case O_LOG_FORMAT:
                if (strcmp(v, "text") == 0 || strcmp(v, "json") == 0) {
                        o->format = v[0] == 'j' ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT;
                        return 0;
                }
                fprintf(stderr, "specmesh operator: --log-format is text or json\n");
                return -1;
        default:
                fprintf(stderr, "%s%s", usage, cli_conn_help);
                return -1;
        }
}

static void defaults(struct opts *o)
{
        char host[200] = "specmesh";
        const char *pod_ns = getenv("POD_NAMESPACE");

        memset(o, 0, sizeof(*o));
        o->workers = 2;
        o->resync_s = 300;
        o->metrics_addr = "0.0.0.0:8080";
        o->lease_ns = pod_ns && *pod_ns ? pod_ns : "specmesh-system";
        o->lease_name = "specmesh-operator";
        o->lease_s = 15;
        o->renew_s = 10;
        o->retry_s = 2;
        o->stall_s = 300;
        o->window_ms = 1000;
        o->level = LOG_INFO;
        gethostname(host, sizeof(host) - 1);
        snprintf(o->identity, sizeof(o->identity), "%s_%ld", host, (long)getpid());
}

/* Returns 1 to go on, 0 after --help, -1 on a bad flag. */
static int parse(int argc, char **argv, struct opts *o, struct cli_conn *conn)
{
        static const struct option longs[] = {
            {"kubeconfig", required_argument, NULL, O_KUBECONFIG},
            {"namespace", required_argument, NULL, O_NAMESPACE},
            {"workers", required_argument, NULL, O_WORKERS},
            {"resync", required_argument, NULL, O_RESYNC},
            {"metrics-addr", required_argument, NULL, O_METRICS},
            {"leader-elect", no_argument, NULL, O_ELECT},
            {"access-requests", no_argument, NULL, O_ACCESS},
            {"lease-namespace", required_argument, NULL, O_LEASE_NS},
            {"lease-name", required_argument, NULL, O_LEASE_NAME},
            {"lease-duration", required_argument, NULL, O_LEASE_S},
            {"renew-deadline", required_argument, NULL, O_RENEW_S},
            {"retry-period", required_argument, NULL, O_RETRY_S},
            {"identity", required_argument, NULL, O_IDENTITY},
            {"stall-after", required_argument, NULL, O_STALL},
            {"observe-window", required_argument, NULL, O_WINDOW},
            {"log-level", required_argument, NULL, O_LOG_LEVEL},
            {"log-format", required_argument, NULL, O_LOG_FORMAT},
            {"help", no_argument, NULL, 'h'},
            CLI_CONN_OPTIONS,
            {NULL, 0, NULL, 0},
        };
        int opt;

        defaults(o);
        cli_conn_from_env(conn);
        optind = 1;
        while ((opt = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
                if (cli_conn_flag(conn, opt, optarg))
                        continue;
                if (opt == 'h') {
                        printf("%s%s", usage, cli_conn_help);
                        return 0;
                }
                if (take_flag(o, opt, optarg) < 0)
                        return -1;
        }
        if (optind != argc) {
                fprintf(stderr, "specmesh operator: unexpected argument '%s'\n", argv[optind]);
                return -1;
        }
        return 1;
}

struct health {
        struct operator* op;
        struct leader *leader; /* NULL without leader election */
        atomic_bool started;   /* the controller runs */
};

static void serve(void *arg, const struct httpd_request *r, struct httpd_response *w)
{
        struct health *h = arg;
        bool leading = !h->leader || atomic_load(&h->leader->leading);
        bool running = atomic_load(&h->started);

        if (strcmp(r->path, "/healthz") == 0) {
                bool lost = h->leader && atomic_load(&h->leader->lost);
                buf_puts(&w->body, lost ? "leadership lost\n" : "ok\n");
                w->status = lost ? 503 : 200;
        } else if (strcmp(r->path, "/readyz") == 0) {
                /* a standby is ready (to take over); a leader once its cache is filled */
                bool ready = !leading || (running && controller_synced(&h->op->ctl));
                buf_puts(&w->body, ready ? (leading ? "ok\n" : "ok (standby)\n") : "starting\n");
                w->status = ready ? 200 : 503;
        } else if (strcmp(r->path, "/metrics") == 0) {
                if (running)
                        atomic_store(&h->op->metrics.queue_depth,
                                     controller_queue_len(&h->op->ctl));
                atomic_store(&h->op->metrics.leader, leading && running);
                atomic_store(&h->op->metrics.backend_down[METRICS_KAFKA],
                             breaker_is_open(&h->op->kafka_down));
                atomic_store(&h->op->metrics.backend_down[METRICS_REGISTRY],
                             breaker_is_open(&h->op->registry_down));
                pthread_mutex_lock(&h->op->kafka_writes.mu);
                atomic_store(&h->op->metrics.kafka_batches, h->op->kafka_writes.batches);
                atomic_store(&h->op->metrics.kafka_batched, h->op->kafka_writes.pieces);
                pthread_mutex_unlock(&h->op->kafka_writes.mu);
                metrics_render(&h->op->metrics, &w->body);
                metrics_render_process("/proc", &w->body);
                usage_render(&h->op->usage, &w->body);
        } else if (!op_catalogue(&h->op->ctl, running && controller_synced(&h->op->ctl), r, w)) {
                buf_puts(&w->body, "not found\n");
                w->status = 404;
        }
}

static int make_workers(struct operator* op, int n, struct err *err)
{
        op->workers = calloc((size_t)n, sizeof(*op->workers));
        if (!op->workers)
                return err_nomem(err);
        op->nworkers = n;
        for (int i = 0; i < n; i++) {
                op->workers[i].kube = kube_new(op->kube_cfg, err);
                if (!op->workers[i].kube)
                        return -1;
                kube_set_observer(op->workers[i].kube, metrics_kube_request, &op->metrics);
        }
        return 0;
}

static void free_workers(struct operator* op)
{
        for (int i = 0; op->workers && i < op->nworkers; i++) {
                if (op->workers[i].engine_open)
                        engine_close(&op->workers[i].engine);
                kube_free(op->workers[i].kube);
        }
        free(op->workers);
}

/* Block until a signal or a lost lease. */
static void wait_for_stop(struct leader *l)
{
        while (!atomic_load(&stopping) && !(l && atomic_load(&l->lost))) {
                struct timespec ts = {0, 200 * 1000000L};
                nanosleep(&ts, NULL);
        }
}

static int start_controller(struct operator* op, const struct opts *o, char *path, size_t n,
                            struct err *err)
{
        struct controller_config cfg = {0};

        if (o->namespace)
                snprintf(path, n, "/apis/%s/namespaces/%s/dataproducts", DP_GROUP_VERSION,
                         o->namespace);
        else
                snprintf(path, n, "/apis/%s/dataproducts", DP_GROUP_VERSION);
        cfg.path = path;
        cfg.api_version = DP_GROUP_VERSION;
        cfg.kind = "DataProduct";
        cfg.workers = o->workers;
        cfg.priority_workers = 1; /* an edit never waits for a bulk load's reconcile */
        cfg.resync_s = (uint32_t)o->resync_s;
        cfg.watch_timeout_s = 300;
        cfg.retry_base_ms = 500;
        cfg.retry_max_ms = 5 * 60 * 1000;
        return controller_start(&op->ctl, &cfg, &dp_ops, op, op->kube_cfg, &op->metrics, err);
}

static int run(const struct opts *o, struct operator* op)
{
        struct kube_config kc;
        struct leader l = {0};
        struct health h = {op, NULL, false};
        struct httpd web = {0};
        struct ar_ctl ar = {0};
        struct err err;
        char path[512];
        int rc = EXIT_ERROR;

        err_clear(&err);
        if (kube_config_load(&kc, o->kubeconfig, &err) < 0) {
                fprintf(stderr, "specmesh operator: %s\n", err.msg);
                return EXIT_ERROR;
        }
        op->kube_cfg = &kc;
        log_info(NULL, "specmesh operator %s: API server %s (%s), %d workers, resync %ds",
                 SPECMESH_VERSION, kc.server, kc.source, o->workers, o->resync_s);
        if (o->leader_elect) {
                l = (struct leader){.ns = o->lease_ns,
                                    .name = o->lease_name,
                                    .id = o->identity,
                                    .duration_s = o->lease_s,
                                    .renew_deadline_s = o->renew_s,
                                    .retry_s = o->retry_s,
                                    .stop = &stopping};
                if (leader_init(&l, &kc, &err) < 0)
                        goto out;
                h.leader = &l;
        }
        if (strcmp(o->metrics_addr, "0") != 0 &&
            httpd_start(&web, o->metrics_addr, NULL, serve, &h, &err) < 0)
                goto out;
        if (make_workers(op, o->workers + 1, &err) < 0) /* + the priority worker */
                goto out;
        if (o->leader_elect && leader_acquire(&l) < 0) {
                rc = EXIT_OK; /* stopped while standing by */
                goto out;
        }
        if (o->leader_elect)
                leader_start_renewing(&l);
        if (start_controller(op, o, path, sizeof(path), &err) < 0)
                goto out;
        atomic_store(&h.started, true);
        if (o->access_requests && ar_start(&ar, op, o->namespace, &err) < 0) {
                log_error(NULL, "access requests: %s", err.msg);
                err_clear(&err); /* the DataProducts are served regardless */
        }
        if (usage_start(&op->usage, &op->conn) < 0)
                log_warn(NULL, "usage: the collector thread did not start");
        wait_for_stop(h.leader);
        if (h.leader && atomic_load(&l.lost)) {
                /* An in-flight reconcile may be blocked on the unreachable API server and go on
                 * to write to Kafka once its request times out, after another replica took the
                 * lease: leave now (as client-go's leaders do); the next leader redoes it. */
                log_error(NULL, "leadership lost: exiting without finishing in-flight reconciles");
                _exit(EXIT_ERROR);
        }
        log_info(NULL, "stopping: finishing in-flight reconciles");
        ar_stop(&ar);
        controller_stop(&op->ctl);
        usage_stop(&op->usage);
        atomic_store(&h.started, false);
        rc = h.leader && atomic_load(&l.lost) ? EXIT_ERROR : EXIT_OK;
out:
        if (err.msg[0])
                fprintf(stderr, "specmesh operator: %s\n", err.msg);
        if (h.leader) {
                atomic_store(&stopping, 1);
                leader_release(&l);
        }
        httpd_stop(&web);
        free_workers(op);
        kube_config_release(&kc);
        log_info(NULL, "stopped");
        return rc;
}

/*
 * Connection settings that cannot work are a start-up error naming the key, not a condition
 * on every DataProduct later: check the Kafka properties and TLS files, and the registry
 * config, without connecting.
 */
static int check_conn(const struct cli_conn *conn)
{
        struct registry *r = NULL;
        struct err err;

        err_clear(&err);
        if (kafka_config_check(conn->kafka_config, conn->bootstrap, &err) < 0)
                goto fail;
        if (conn->registry_url || conn->registry_config) {
                r = registry_open(conn->registry_url, conn->registry_config, &err);
                if (!r)
                        goto fail;
                registry_free(r);
        }
        return 0;
fail:
        fprintf(stderr, "specmesh operator: %s\n", err.msg);
        return -1;
}

int cmd_operator(int argc, char **argv)
{
        struct opts o;
        struct operator op;
        struct sigaction sa;
        int rc;

        memset(&op, 0, sizeof(op));
        usage_init(&op.usage);
        rc = parse(argc, argv, &o, &op.conn);
        if (rc <= 0)
                return rc == 0 ? EXIT_OK : EXIT_ERROR;
        log_setup(o.level, o.format);
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        /* glibc gives each thread that allocates its own arena (up to 8 per core), each keeping
         * what it freed: two are plenty for a few workers and librdkafka's threads, and keep
         * the resident set small (B3) */
        mallopt(M_ARENA_MAX, 2);
        curl_global_init(CURL_GLOBAL_DEFAULT); /* once, before any thread makes a handle */
        if (!op.conn.kafka_config && !op.conn.bootstrap) {
                fprintf(stderr, "specmesh operator: no Kafka connection: pass --kafka-config "
                                "FILE or set SPECMESH_KAFKA_CONFIG\n");
                return EXIT_ERROR;
        }
        if (check_conn(&op.conn) < 0) {
                curl_global_cleanup();
                return EXIT_ERROR;
        }
        spec_cache_init(&op.specs);
        metrics_init(&op.metrics, SPECMESH_VERSION);
        op.stall_after_s = o.stall_s;
        op.share = o.window_ms > 0;
        engine_shared_init(&op.shared, o.window_ms / 1000.0);
        op.shared.scope = op_scope;
        op.shared.scope_arg = &op;
        combiner_init(&op.kafka_writes, 1000, ENGINE_BATCH_MAX);
        breaker_init(&op.kafka_down, BACKEND_HOLD_S);
        breaker_init(&op.registry_down, BACKEND_HOLD_S);
        op.shared.combine = &op.kafka_writes;
        rc = run(&o, &op);
        combiner_release(&op.kafka_writes);
        breaker_release(&op.kafka_down);
        breaker_release(&op.registry_down);
        engine_shared_release(&op.shared);
        metrics_release(&op.metrics);
        spec_cache_release(&op.specs);
        curl_global_cleanup();
        return rc;
}
