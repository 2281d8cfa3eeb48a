/*
 * The reconcile core, shared by the CLI (plan, apply, export) and the operator: observe the
 * actual state of a product's domain through the backends' ports, build the plan (pkg/plan,
 * pure), apply it backend by backend, and bring the observed state up to date with what went
 * through, leaving every op's outcome in the plan. No I/O of its own: every effect goes through
 * a port (ports.h), so the whole core runs in unit tests against test/fakes.
 */
#ifndef PKG_RECONCILE_RECONCILE_H
#define PKG_RECONCILE_RECONCILE_H

#include "pkg/base/err.h"
#include "pkg/reconcile/ports.h"

struct err;
struct plan;
struct product;

/* Where the last reconcile_run() spent its time, in seconds (for logs and profiling). */
struct reconcile_timing {
        double observe_kafka, observe_registry, apply_kafka, apply_registry;
};

enum reconcile_flags {
        RECONCILE_DRY_RUN = 1 << 0,   /* change nothing, but send what the servers can validate */
        RECONCILE_PRUNE = 1 << 1,     /* delete undeclared topics and subjects */
        RECONCILE_PLAN_ONLY = 1 << 2, /* observe and plan; send nothing that could change */
        /* A registry that cannot be reached (ERR_TRANSIENT) does not hold Kafka up: the Kafka
         * part goes on and the subjects follow at a later pass (the operator, which comes
         * back). Without it (the CLI's one-shot apply) nothing is written while it is down. */
        RECONCILE_REGISTRY_MAY_LAG = 1 << 3,
};

struct reconciler {
        struct backend kafka;    /* topics, ACLs, quotas */
        struct backend registry; /* subjects; ops NULL when no registry is configured */
        struct reconcile_timing t;
        /* Called once the plan is built, before anything of it is applied, when it changes
         * something and this is no dry run (the operator writes Reconciling=True there).
         * Returns false to hold the plan: nothing of it is applied, `held` says so. */
        bool (*before_apply)(void *arg, const struct plan *p, const struct product *have);
        void *before_apply_arg;
        /* Set by reconcile_run(): before_apply held the plan (its ops are all pending). */
        bool held;
        /* Called after each port call (observe, apply, refresh) with the backend's name, the
         * call's duration and ERR_NONE or the kind it failed with (the operator's metrics).
         * May be NULL. */
        void (*on_call)(void *arg, const char *backend, double seconds, enum err_kind kind);
        void *on_call_arg;
        /* Set by reconcile_run(): the name of the backend whose error the call returned, or
         * NULL (no error, or one of the core's own). */
        const char *failed;
};

/*
 * Observe the actual state of want's domain: topics, owned ACLs, quota, subjects. Returns a
 * new product (caller frees with product_free()) or NULL with `err` set; ERR_INVALID when the
 * spec declares subjects and no registry is configured.
 */
struct product *reconcile_observe(struct reconciler *r, const struct product *want,
                                  struct err *err);

/*
 * Observe, plan into `out` (initialised by the caller) and, unless RECONCILE_PLAN_ONLY, carry
 * the plan out: Kafka first (topics before the subjects that describe them), then the registry;
 * both run even when the other failed, and the first error is kept. With
 * RECONCILE_REGISTRY_MAY_LAG a registry that cannot be reached does not hold Kafka up: the
 * Kafka part is planned and applied, the subjects' ops fail with the registry's error, and that
 * error is returned. When `have_after` is not
 * NULL it receives the state observed, updated with the changes that went through. Returns 0
 * when everything went through (problems such as a refused shrink are in out->problems and do
 * not fail the call), -1 with `err` summarising what failed.
 */
int reconcile_run(struct reconciler *r, const struct product *want, unsigned flags,
                  struct plan *out, struct product **have_after, struct err *err);

#endif
