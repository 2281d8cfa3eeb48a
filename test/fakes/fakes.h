/*
 * In-memory backends behind the reconcile core's ports (pkg/reconcile/ports.h), after SQLite's
 * test_vfs.c: each holds what its server would hold, as a struct product, and fails on demand.
 * A fault names the call it hits (observe and apply calls are counted together, 1-based) and
 * whether it persists; it can fail the call, time it out, let half of the ops through, or carry
 * every op out and lose the answer. For the unit tests of the core: no servers, no threads.
 */
#ifndef TEST_FAKES_FAKES_H
#define TEST_FAKES_FAKES_H

#include <stdbool.h>

#include "pkg/base/err.h"
#include "pkg/reconcile/ports.h"

struct product;

enum fault_mode {
        FAULT_NONE = 0,
        FAULT_ERROR,   /* the call fails with `kind`; nothing changes */
        FAULT_TIMEOUT, /* the call fails with ERR_TRANSIENT "timed out"; nothing changes */
        FAULT_PARTIAL, /* apply: the first half of the ops go through, the rest fail (`kind`) */
        FAULT_DROPPED, /* apply: every op goes through, but the answer is lost (transient) */
};

struct fault {
        enum fault_mode mode;
        unsigned nth;       /* the call it hits, 1-based */
        bool persistent;    /* and every call after it */
        enum err_kind kind; /* FAULT_ERROR, FAULT_PARTIAL */
};

struct fake {
        struct product *state; /* what the server holds: topics, ACLs, quota / subjects */
        struct fault fault;
        unsigned calls, observes, applies;
        bool refuse_schemas; /* registry: refuse every new schema version as incompatible */
        bool handled_error;  /* observe succeeds but leaves a handled error (a 404) in `err`,
                                as the registry adapter does for a subject that is gone */
        int next_id;         /* registry: the next schema id */
};

/* An empty server for products of `domain`. */
void fake_init(struct fake *f, const char *domain);
void fake_release(struct fake *f);

/* The backend tables: `self` is a struct fake *. */
extern const struct backend_ops fake_kafka_ops;
extern const struct backend_ops fake_registry_ops;

#endif
