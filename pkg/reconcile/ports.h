/*
 * The ports of the reconcile core: what it needs from each backend a data product lives in
 * (Kafka, the schema registry), as a table of functions over an opaque handle. The adapters in
 * pkg/kafka and pkg/registry know nothing of this header; the wiring (operator/engine.c) fills
 * the tables with them, and test/fakes fills them with in-memory backends that fail on demand.
 */
#ifndef PKG_RECONCILE_PORTS_H
#define PKG_RECONCILE_PORTS_H

#include <stdbool.h>

struct err;
struct plan;
struct plan_op;
struct product;

struct backend_ops {
        const char *name; /* "kafka", "registry": for timings and messages */
        /*
         * Append to `have` the actual state of want's domain this backend holds. Returns 0, or
         * -1 with `err` set (`have` may then be partly filled).
         */
        int (*observe)(void *self, const struct product *want, struct product *have,
                       struct err *err);
        /*
         * Carry out the pending ops of `p` this backend owns, recording each op's state and
         * error; one failing op does not stop the others. `dry_run`: change nothing, send only
         * what the server can validate. Returns 0 when none failed, else -1 with `err`
         * summarising (its kind says whether a retry may heal it).
         */
        int (*apply)(void *self, struct plan *p, bool dry_run, struct err *err);
        /*
         * After `op` went through: update `have` with the object it changed, read back when the
         * server assigns something (a subject's version and id). May be NULL: then `have` is
         * updated from the op's wanted value. Returns 0, or -1 with `err` set.
         */
        int (*refresh)(void *self, const struct plan_op *op, const struct product *want,
                       struct product *have, struct err *err);
};

/* One backend: its table and its handle. `ops` NULL: not configured. */
struct backend {
        const struct backend_ops *ops;
        void *self;
};

#endif
