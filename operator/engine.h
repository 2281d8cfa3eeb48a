/*
 * The wiring of the reconcile core (pkg/reconcile) to the real backends: one Kafka client
 * (librdkafka admin + our protocol client) and one schema-registry client behind the core's
 * ports. Used by `plan`, `apply`, `export` and the operator (one engine per worker). The
 * decisions live in pkg/reconcile and pkg/plan, the I/O in pkg/kafka and pkg/registry.
 */
#ifndef OPERATOR_ENGINE_H
#define OPERATOR_ENGINE_H

#include <stdbool.h>

#include "pkg/reconcile/reconcile.h"
#include "pkg/runtime/snapshot.h"

struct cli_conn;
struct err;
struct breaker;
struct combiner;
struct map;
struct plan;
struct product;

/* The most plans one combined Kafka write carries (the combiner's limit). */
#define ENGINE_BATCH_MAX 64

/*
 * What the engines of one process share (the operator's workers, a multi-product apply): one
 * observation of Kafka and one listing of the registry's subjects per window, fenced by each
 * domain's writes (pkg/runtime/snapshot.h), instead of each reconcile reading the whole
 * cluster for its own domain.
 */
struct engine_shared {
        struct snapshot_cache kafka;    /* struct kafka_view * */
        struct snapshot_cache registry; /* struct vec * of subject names */
        /* The domains and principals of the products served (added to sets: map keys), whose
         * objects a reading keeps; NULL: every object. -1 only when memory runs out. */
        int (*scope)(void *arg, struct map *domains, struct map *principals);
        void *scope_arg;
        /* When set: the Kafka writes of the engines' reconciles that arrive together go out
         * as one request per kind of change (kafka_apply_many); at most ENGINE_BATCH_MAX
         * plans a batch. */
        struct combiner *combine;
};

void engine_shared_init(struct engine_shared *s, double window_s);
void engine_shared_release(struct engine_shared *s);

struct engine {
        struct kafka *kafka;
        struct registry *registry;    /* NULL when no registry URL is configured */
        struct reconciler core;       /* the two above behind the ports; timings; before_apply */
        struct engine_shared *shared; /* NULL: every observe reads for itself */
        /* When set (the operator's workers share them): each backend's readings go through
         * its breaker, failing at once while it is down (pkg/runtime/breaker.h). */
        struct breaker *kafka_guard, *registry_guard;
};

enum engine_flags {
        ENGINE_DRY_RUN = RECONCILE_DRY_RUN,
        ENGINE_PRUNE = RECONCILE_PRUNE,
        ENGINE_PLAN_ONLY = RECONCILE_PLAN_ONLY,
        ENGINE_REGISTRY_MAY_LAG = RECONCILE_REGISTRY_MAY_LAG,
};

/*
 * Connect to Kafka (and the registry when conn->registry_url is set). Fails with a one-line
 * error naming what could not be reached or who was refused; `e` is then empty.
 */
int engine_open(struct engine *e, const struct cli_conn *conn, struct err *err);
void engine_close(struct engine *e);

/*
 * Whether `principal` ("User:x" or "x") is the Kafka user the engine itself connects as
 * (sasl.username). Such a product would put ACLs and a quota on specmesh's own user (a quota
 * throttles every tenant's reconcile) and is refused. False for NULL or an open-less engine.
 */
bool engine_is_self(const struct engine *e, const char *principal);

/* reconcile_observe() and reconcile_run() over the engine's backends. engine_reconcile()
 * refuses (ERR_INVALID) a product whose principal is the engine's own user. */
struct product *engine_observe(struct engine *e, const struct product *want, struct err *err);
int engine_reconcile(struct engine *e, const struct product *want, unsigned flags, struct plan *out,
                     struct product **have_after, struct err *err);

/* When the engines' last write to `domain` (Kafka or the registry) finished, by clock_now();
 * 0 when none is remembered (snapshot_last_write()) or the engine shares nothing. */
double engine_last_write(struct engine *e, const char *domain);

#endif
