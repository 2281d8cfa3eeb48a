/*
 * Prometheus metrics.
 */
#include "pkg/runtime/metrics.h"

#include "pkg/base/buf.h"
#include "pkg/base/banned.h"

const double metrics_bounds[METRICS_BUCKETS - 1] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                    0.5,   1,    2.5,   5,    10};

void metrics_observe_duration(struct metrics *m, double seconds)
{
        size_t i = 0;

        while (i < METRICS_BUCKETS - 1 && seconds > metrics_bounds[i])
                i++;
        atomic_fetch_add(&m->dur_bucket[i], 1);
        atomic_fetch_add(&m->dur_count, 1);
        atomic_fetch_add(&m->dur_sum_us, (unsigned long)(seconds * 1e6));
}

static void counter(struct buf *out, const char *name, const char *help, unsigned long v,
                    const char *type)
{
        buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %lu\n", name, help, name, type, name, v);
}

int metrics_render(struct metrics *m, struct buf *out)
{
        unsigned long cum = 0;

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
        counter(out, "specmesh_workqueue_depth", "Keys waiting in the workqueue.",
                atomic_load(&m->queue_depth), "gauge");
        counter(out, "specmesh_dataproducts", "DataProducts in the cache.",
                atomic_load(&m->objects), "gauge");
        counter(out, "specmesh_leader", "1 when this instance is the leader.",
                (unsigned long)atomic_load(&m->leader), "gauge");
        buf_puts(out, "# HELP specmesh_reconcile_duration_seconds Time per reconcile.\n"
                      "# TYPE specmesh_reconcile_duration_seconds histogram\n");
        for (size_t i = 0; i < METRICS_BUCKETS; i++) {
                cum += atomic_load(&m->dur_bucket[i]);
                if (i < METRICS_BUCKETS - 1)
                        buf_printf(out,
                                   "specmesh_reconcile_duration_seconds_bucket{le=\"%g\"} %lu\n",
                                   metrics_bounds[i], cum);
                else
                        buf_printf(out,
                                   "specmesh_reconcile_duration_seconds_bucket{le=\"+Inf\"} %lu\n",
                                   cum);
        }
        buf_printf(out, "specmesh_reconcile_duration_seconds_sum %.6f\n",
                   (double)atomic_load(&m->dur_sum_us) / 1e6);
        buf_printf(out, "specmesh_reconcile_duration_seconds_count %lu\n",
                   atomic_load(&m->dur_count));
        return out->failed ? -1 : 0;
}
