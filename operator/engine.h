/*
 * The engine: one data product's reconcile, shared by `plan`, `apply`, `export` and the
 * operator. It owns the two clients (Kafka admin + quota protocol, schema registry) and runs
 * observe -> plan -> apply -> re-observe, leaving every op's outcome in the plan. Wiring only:
 * the decisions live in pkg/plan, the I/O in pkg/kafka and pkg/registry.
 */
#ifndef OPERATOR_ENGINE_H
#define OPERATOR_ENGINE_H

#include <stdbool.h>

struct cli_conn;
struct err;
struct plan;
struct product;

/* Where the last engine_reconcile() spent its time, in seconds (for logs and profiling). */
struct engine_timing {
        double observe_kafka, observe_registry, apply_kafka, apply_registry;
};

struct engine {
        struct kafka *kafka;
        struct registry *registry; /* NULL when no registry URL is configured */
        struct engine_timing t;
        /* Called once the plan is built, before anything of it is applied, when it changes
         * something (the operator writes Reconciling=True there). May be NULL. */
        void (*before_apply)(void *arg, const struct plan *p, const struct product *have);
        void *before_apply_arg;
};

enum engine_flags {
        ENGINE_DRY_RUN = 1 << 0,   /* change nothing, but send what the servers can validate */
        ENGINE_PRUNE = 1 << 1,     /* delete undeclared topics and subjects */
        ENGINE_PLAN_ONLY = 1 << 2, /* observe and plan; send nothing that could change */
};

/*
 * Connect to Kafka (and the registry when conn->registry_url is set). Fails with a one-line
 * error naming what could not be reached or who was refused; `e` is then empty.
 */
int engine_open(struct engine *e, const struct cli_conn *conn, struct err *err);
void engine_close(struct engine *e);

/*
 * Observe the actual state of want's domain: topics, owned ACLs, quota, subjects. Returns a
 * new product (caller frees with product_free()) or NULL with `err` set.
 */
struct product *engine_observe(struct engine *e, const struct product *want, struct err *err);

/*
 * Observe, plan into `out` (initialised by the caller) and, unless ENGINE_DRY_RUN, carry the
 * plan out. When `have_after` is not NULL it receives the state observed after the changes
 * (for status summaries). Returns 0 when everything went through (problems such as a refused
 * shrink are in out->problems and do not fail the call), -1 with `err` summarising what failed.
 */
int engine_reconcile(struct engine *e, const struct product *want, unsigned flags, struct plan *out,
                     struct product **have_after, struct err *err);

#endif
