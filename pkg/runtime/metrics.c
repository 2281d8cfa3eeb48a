/*
 * Prometheus metrics.
 */
#include "pkg/runtime/metrics.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkg/base/buf.h"
#include "pkg/base/banned.h"

const double metrics_bounds[METRICS_BUCKETS - 1] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                    0.5,   1,    2.5,   5,    10};

static const char *const backend_names[METRICS_BACKENDS] = {"kafka", "registry", "kube"};

/* Indexed by enum err_kind; [ERR_NONE] is never rendered. */
static const char *const reasons[METRICS_REASONS] = {
    [ERR_NONE] = "none",         [ERR_INVALID] = "invalid",
    [ERR_TERMINAL] = "refused",  [ERR_TRANSIENT] = "unavailable",
    [ERR_AUTH] = "auth",         [ERR_NOT_FOUND] = "not_found",
    [ERR_CONFLICT] = "conflict", [ERR_NOMEM] = "resource_limit",
    [ERR_INTERNAL] = "internal",
};

void metrics_init(struct metrics *m, const char *version)
{
        m->version = version;
        pthread_mutex_init(&m->lock, NULL);
        strmap_init(&m->ready, METRICS_PRODUCTS);
}

void metrics_release(struct metrics *m)
{
        strmap_release(&m->ready);
        pthread_mutex_destroy(&m->lock);
}

static void hist_observe(struct metrics_hist *h, double seconds)
{
        size_t i = 0;

        while (i < METRICS_BUCKETS - 1 && seconds > metrics_bounds[i])
                i++;
        atomic_fetch_add(&h->bucket[i], 1);
        atomic_fetch_add(&h->count, 1);
        atomic_fetch_add(&h->sum_us, (unsigned long)(seconds * 1e6));
}

void metrics_observe_duration(struct metrics *m, double seconds)
{
        hist_observe(&m->reconcile, seconds);
}

const char *metrics_reason(enum err_kind kind)
{
        return (unsigned)kind < METRICS_REASONS ? reasons[kind] : "internal";
}

void metrics_observe_backend(struct metrics *m, enum metrics_backend b, double seconds,
                             enum err_kind kind)
{
        if ((unsigned)b >= METRICS_BACKENDS)
                return;
        hist_observe(&m->backend[b], seconds);
        if (kind != ERR_NONE)
                atomic_fetch_add(
                    &m->backend_errors[b][(unsigned)kind < METRICS_REASONS ? kind : ERR_INTERNAL],
                    1);
}

void metrics_kube_request(void *arg, double seconds, enum err_kind kind)
{
        metrics_observe_backend(arg, METRICS_KUBE, seconds,
                                kind == ERR_NOT_FOUND ? ERR_NONE : kind);
}

void metrics_set_ready(struct metrics *m, const char *key, bool ready)
{
        pthread_mutex_lock(&m->lock);
        (void)strmap_set(&m->ready, key, ready ? "1" : "0"); /* past the cap: not tracked */
        pthread_mutex_unlock(&m->lock);
}

void metrics_forget(struct metrics *m, const char *key)
{
        pthread_mutex_lock(&m->lock);
        strmap_del(&m->ready, key);
        pthread_mutex_unlock(&m->lock);
}

static void counter(struct buf *out, const char *name, const char *help, unsigned long v,
                    const char *type)
{
        buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %lu\n", name, help, name, type, name, v);
}

/* A label value as the text format wants it: backslash, quote and newline escaped. */
static void label_value(struct buf *out, const char *s, size_t n)
{
        for (size_t i = 0; i < n && s[i]; i++) {
                if (s[i] == '\\' || s[i] == '"')
                        buf_printf(out, "\\%c", s[i]);
                else if (s[i] == '\n')
                        buf_puts(out, "\\n");
                else
                        buf_printf(out, "%c", s[i]);
        }
}

/* The samples of one histogram; `labels` (e.g. `backend="kafka"`) may be "". */
static void hist_samples(struct buf *out, const char *name, const char *labels,
                         struct metrics_hist *h)
{
        const char *sep = labels[0] ? "," : "";
        unsigned long cum = 0;
        char braced[80] = "";

        for (size_t i = 0; i < METRICS_BUCKETS; i++) {
                cum += atomic_load(&h->bucket[i]);
                if (i < METRICS_BUCKETS - 1)
                        buf_printf(out, "%s_bucket{%s%sle=\"%g\"} %lu\n", name, labels, sep,
                                   metrics_bounds[i], cum);
                else
                        buf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %lu\n", name, labels, sep, cum);
        }
        if (labels[0])
                snprintf(braced, sizeof(braced), "{%s}", labels);
        buf_printf(out, "%s_sum%s %.6f\n", name, braced, (double)atomic_load(&h->sum_us) / 1e6);
        buf_printf(out, "%s_count%s %lu\n", name, braced, atomic_load(&h->count));
}

static void render_backends(struct metrics *m, struct buf *out)
{
        char labels[64];

        buf_puts(out, "# HELP specmesh_backend_request_duration_seconds Time per request to a "
                      "backend (Kafka and the registry: per batch of a reconcile).\n"
                      "# TYPE specmesh_backend_request_duration_seconds histogram\n");
        for (int b = 0; b < METRICS_BACKENDS; b++) {
                snprintf(labels, sizeof(labels), "backend=\"%s\"", backend_names[b]);
                hist_samples(out, "specmesh_backend_request_duration_seconds", labels,
                             &m->backend[b]);
        }
        buf_puts(out, "# HELP specmesh_backend_errors_total Failed requests to a backend, by "
                      "reason.\n# TYPE specmesh_backend_errors_total counter\n");
        for (int b = 0; b < METRICS_BACKENDS; b++)
                for (int k = ERR_NONE + 1; k < METRICS_REASONS; k++)
                        buf_printf(out,
                                   "specmesh_backend_errors_total{backend=\"%s\",reason=\"%s\"} "
                                   "%lu\n",
                                   backend_names[b], reasons[k],
                                   atomic_load(&m->backend_errors[b][k]));
        buf_puts(out, "# HELP specmesh_backend_up 0 while the backend is taken for down (its last "
                      "reading failed; reconciles fail at once, one probe at a time), else 1.\n"
                      "# TYPE specmesh_backend_up gauge\n");
        for (int b = 0; b < METRICS_BACKENDS; b++)
                buf_printf(out, "specmesh_backend_up{backend=\"%s\"} %d\n", backend_names[b],
                           !atomic_load(&m->backend_down[b]));
}

static void render_ready(struct metrics *m, struct buf *out)
{
        buf_puts(out, "# HELP specmesh_dataproduct_ready 1 when the DataProduct is Ready, 0 when "
                      "not.\n# TYPE specmesh_dataproduct_ready gauge\n");
        pthread_mutex_lock(&m->lock);
        for (size_t i = 0; i < m->ready.len; i++) {
                const char *key = m->ready.items[i].key, *slash = strchr(key, '/');
                size_t nslen = slash ? (size_t)(slash - key) : 0;
                buf_puts(out, "specmesh_dataproduct_ready{namespace=\"");
                label_value(out, key, nslen);
                buf_puts(out, "\",name=\"");
                label_value(out, slash ? slash + 1 : key, strlen(key));
                buf_printf(out, "\"} %s\n", m->ready.items[i].value);
        }
        pthread_mutex_unlock(&m->lock);
}

int metrics_render(struct metrics *m, struct buf *out)
{
        counter(out, "specmesh_reconcile_total", "Reconciles finished.",
                atomic_load(&m->reconciles), "counter");
        counter(out, "specmesh_reconcile_errors_total", "Reconciles that failed (retried).",
                atomic_load(&m->errors), "counter");
        counter(out, "specmesh_changes_total", "Changes made in Kafka and the registry.",
                atomic_load(&m->changes), "counter");
        counter(out, "specmesh_watch_restarts_total", "Watches re-opened.",
                atomic_load(&m->watch_restarts), "counter");
        counter(out, "specmesh_relists_total", "Full lists of DataProducts.",
                atomic_load(&m->relists), "counter");
        counter(out, "specmesh_kube_requests_total", "Kubernetes API requests by reconciles.",
                atomic_load(&m->kube_requests), "counter");
        counter(out, "specmesh_kafka_requests_total", "Kafka requests by reconciles.",
                atomic_load(&m->kafka_requests), "counter");
        counter(out, "specmesh_registry_requests_total", "Schema-registry requests by reconciles.",
                atomic_load(&m->registry_requests), "counter");
        counter(out, "specmesh_kafka_write_batches_total",
                "Batches of Kafka writes sent (each one request per kind of change).",
                atomic_load(&m->kafka_batches), "counter");
        counter(out, "specmesh_kafka_write_batch_products_total",
                "Products whose Kafka writes went out in those batches.",
                atomic_load(&m->kafka_batched), "counter");
        counter(out, "specmesh_workqueue_depth", "Keys waiting in the workqueue.",
                atomic_load(&m->queue_depth), "gauge");
        counter(out, "specmesh_dataproducts", "DataProducts in the cache.",
                atomic_load(&m->objects), "gauge");
        counter(out, "specmesh_leader", "1 when this instance is the leader.",
                (unsigned long)atomic_load(&m->leader), "gauge");
        buf_puts(out, "# HELP specmesh_reconcile_duration_seconds Time per reconcile.\n"
                      "# TYPE specmesh_reconcile_duration_seconds histogram\n");
        hist_samples(out, "specmesh_reconcile_duration_seconds", "", &m->reconcile);
        render_backends(m, out);
        render_ready(m, out);
        buf_puts(out, "# HELP specmesh_build_info The running build: always 1.\n"
                      "# TYPE specmesh_build_info gauge\nspecmesh_build_info{version=\"");
        label_value(out, m->version ? m->version : "unknown", 64);
        buf_puts(out, "\"} 1\n");
        return out->failed ? -1 : 0;
}

/* The whole of a small /proc file, NUL-terminated, in `out`. Returns 0 or -1. */
static int read_small(const char *path, char *out, size_t n)
{
        FILE *f = fopen(path, "r");
        size_t len;

        if (!f)
                return -1;
        len = fread(out, 1, n - 1, f);
        out[len] = 0;
        fclose(f);
        return len ? 0 : -1;
}

/* Seconds since the epoch at boot ("btime" in /proc/stat), or -1. */
static long long boot_time(const char *proc)
{
        char path[256], text[16384], *p;

        snprintf(path, sizeof(path), "%s/stat", proc);
        if (read_small(path, text, sizeof(text)) < 0)
                return -1;
        p = strstr(text, "\nbtime ");
        return p ? strtoll(p + 7, NULL, 10) : -1;
}

/* CPU, memory and start time from /proc/self/stat (proc(5): fields 14, 15, 22, 23, 24). */
static void process_stat(const char *proc, struct buf *out)
{
        char path[256], text[2048], *p;
        unsigned long long v[22] = {0};
        long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
        long long btime = boot_time(proc);

        snprintf(path, sizeof(path), "%s/self/stat", proc);
        if (read_small(path, text, sizeof(text)) < 0 || !(p = strrchr(text, ')')) || tick <= 0)
                return;
        p += 2; /* the state letter, field 3 */
        p = strchr(p, ' ');
        for (int i = 1; p && i < 22; i++) /* v[i]: field i + 3 */
                v[i] = strtoull(p + 1, &p, 10);
        counter(out, "process_resident_memory_bytes", "Resident memory size in bytes.",
                (unsigned long)(v[21] * (unsigned long long)page), "gauge");
        counter(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
                (unsigned long)v[20], "gauge");
        buf_printf(out,
                   "# HELP process_cpu_seconds_total User and system CPU time in seconds.\n"
                   "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.2f\n",
                   (double)(v[11] + v[12]) / (double)tick);
        if (btime >= 0)
                buf_printf(out,
                           "# HELP process_start_time_seconds Start time of the process since "
                           "the epoch in seconds.\n# TYPE process_start_time_seconds gauge\n"
                           "process_start_time_seconds %.2f\n",
                           (double)btime + (double)v[19] / (double)tick);
}

static void process_fds(const char *proc, struct buf *out)
{
        char path[256], text[8192], *p;
        unsigned long n = 0;
        struct dirent *e;
        DIR *d;

        snprintf(path, sizeof(path), "%s/self/fd", proc);
        d = opendir(path);
        if (d) {
                while ((e = readdir(d)))
                        n += e->d_name[0] != '.';
                closedir(d);
                counter(out, "process_open_fds", "Open file descriptors.", n, "gauge");
        }
        snprintf(path, sizeof(path), "%s/self/limits", proc);
        if (read_small(path, text, sizeof(text)) == 0 && (p = strstr(text, "Max open files")))
                counter(out, "process_max_fds", "Most open file descriptors allowed.",
                        strtoul(p + strlen("Max open files"), NULL, 10), "gauge");
}

int metrics_render_process(const char *proc, struct buf *out)
{
        process_stat(proc, out);
        process_fds(proc, out);
        return out->failed ? -1 : 0;
}
