/*
 * The operator's Prometheus metrics: counters and a duration histogram updated by any thread
 * (atomics, no lock), rendered in the text exposition format for /metrics.
 */
#ifndef PKG_RUNTIME_METRICS_H
#define PKG_RUNTIME_METRICS_H

#include <stdatomic.h>
#include <stddef.h>

struct buf;

#define METRICS_BUCKETS 12

struct metrics {
        atomic_ulong reconciles;        /* reconciles finished */
        atomic_ulong errors;            /* reconciles that failed and will be retried */
        atomic_ulong changes;           /* Kafka/registry changes made */
        atomic_ulong watch_restarts;    /* watches re-opened */
        atomic_ulong relists;           /* full lists (start, 410 Gone) */
        atomic_ulong kube_requests;     /* API requests sent by finished reconciles */
        atomic_ulong kafka_requests;    /* Kafka requests sent by reconciles */
        atomic_ulong registry_requests; /* schema-registry requests sent by reconciles */
        atomic_ulong queue_depth;       /* set by the controller before rendering */
        atomic_ulong objects;           /* objects in the cache */
        atomic_int leader;              /* 1 while this instance leads */
        atomic_ulong dur_count;
        atomic_ulong dur_sum_us;
        atomic_ulong dur_bucket[METRICS_BUCKETS]; /* not cumulative; summed when rendered */
};

/* Bucket upper bounds in seconds (the last bucket is +Inf). */
extern const double metrics_bounds[METRICS_BUCKETS - 1];

void metrics_observe_duration(struct metrics *m, double seconds);

/* Append the exposition text. Returns 0, -1 when `out` hit its cap. */
int metrics_render(struct metrics *m, struct buf *out);

#endif
