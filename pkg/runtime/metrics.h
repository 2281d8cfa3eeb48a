/*
 * The operator's Prometheus metrics: counters, gauges and histograms updated by any thread
 * (atomics, no lock; the per-DataProduct gauge behind a mutex), rendered in the text
 * exposition format for /metrics, with the process's own metrics read from /proc.
 *
 * Label values are bounded: `backend` is one of three, `reason` one of the fixed error reasons
 * below (never text from a server or a spec), and only specmesh_dataproduct_ready carries the
 * namespace and name of a DataProduct (one series per product, removed when it is deleted).
 */
#ifndef PKG_RUNTIME_METRICS_H
#define PKG_RUNTIME_METRICS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "pkg/base/err.h"
#include "pkg/base/strmap.h"

struct buf;

#define METRICS_BUCKETS  12
#define METRICS_PRODUCTS 100000 /* most DataProducts the ready gauge tracks */

/* The servers the operator talks to, the `backend` label. */
enum metrics_backend { METRICS_KAFKA = 0, METRICS_REGISTRY, METRICS_KUBE, METRICS_BACKENDS };

/* The `reason` label of specmesh_backend_errors_total: one per error kind (err.h). */
#define METRICS_REASONS (ERR_INTERNAL + 1)

struct metrics_hist {
        atomic_ulong count;
        atomic_ulong sum_us;
        atomic_ulong bucket[METRICS_BUCKETS]; /* not cumulative; summed when rendered */
};

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
        atomic_ulong kafka_batches;     /* Kafka write batches sent (set before rendering) */
        atomic_ulong kafka_batched;     /* products' Kafka writes in those batches */
        atomic_int leader;              /* 1 while this instance leads */
        struct metrics_hist reconcile;  /* reconcile durations */
        struct metrics_hist backend[METRICS_BACKENDS];                  /* request durations */
        atomic_ulong backend_errors[METRICS_BACKENDS][METRICS_REASONS]; /* by err kind */
        atomic_int backend_down[METRICS_BACKENDS]; /* 1: breaker open (set before rendering) */
        const char *version;                       /* specmesh_build_info; NULL: "unknown" */
        pthread_mutex_t lock;                      /* guards `ready` */
        struct strmap ready;                       /* "namespace/name" -> "1" | "0" */
};

/* Bucket upper bounds in seconds (the last bucket is +Inf). */
extern const double metrics_bounds[METRICS_BUCKETS - 1];

/* Prepare `m` (all zero) for a build of `version` (borrowed, static). */
void metrics_init(struct metrics *m, const char *version);
void metrics_release(struct metrics *m);

void metrics_observe_duration(struct metrics *m, double seconds);

/*
 * One request (or one batch of them, for Kafka and the registry: a port call of the reconcile
 * core) to backend `b` took `seconds`; `kind` is ERR_NONE or the kind it failed with.
 */
void metrics_observe_backend(struct metrics *m, enum metrics_backend b, double seconds,
                             enum err_kind kind);

/* A kube_observe_fn (pkg/kube) for `arg`, a struct metrics: each API request as backend
 * "kube". A 404 is an answer (the object is not there), not a failure. */
void metrics_kube_request(void *arg, double seconds, enum err_kind kind);

/* The reason label for an error kind, e.g. "unavailable" for ERR_TRANSIENT. */
const char *metrics_reason(enum err_kind kind);

/* Set the ready gauge of DataProduct `key` ("namespace/name"); forget it when it is gone. */
void metrics_set_ready(struct metrics *m, const char *key, bool ready);
void metrics_forget(struct metrics *m, const char *key);

/* Append the exposition text. Returns 0, -1 when `out` hit its cap. */
int metrics_render(struct metrics *m, struct buf *out);

/*
 * Append the process metrics (process_cpu_seconds_total, process_resident_memory_bytes,
 * process_virtual_memory_bytes, process_open_fds, process_max_fds, process_start_time_seconds)
 * read from `proc` ("/proc/self" in production). A file that cannot be read leaves its metrics
 * out. Returns 0, -1 when `out` hit its cap.
 */
int metrics_render_process(const char *proc, struct buf *out);

#endif
