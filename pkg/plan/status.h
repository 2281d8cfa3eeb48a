/*
 * The DataProduct status (DESIGN §2) computed from one reconcile's outcome: kstatus-style
 * conditions (Ready, Reconciling, Stalled) whose reason and message name what is wrong, the
 * domain, and small summaries (topic names and counts, subject versions, the ACL count,
 * orphans). Pure: the caller passes the clock reading and the previous status, so that a
 * condition's lastTransitionTime moves only when its status does.
 */
#ifndef PKG_PLAN_STATUS_H
#define PKG_PLAN_STATUS_H

#include <stdbool.h>
#include <json-c/json.h>

struct plan;
struct product;

enum status_outcome {
        STATUS_SYNCED = 0, /* plan carried out (or nothing to do); problems may remain */
        STATUS_INVALID,    /* the spec does not parse: nothing touched (Stalled) */
        STATUS_CONFLICT,   /* another DataProduct owns the domain (Stalled) */
        STATUS_FAILED,     /* observe or apply failed; will retry (Reconciling) */
        STATUS_SUSPENDED,  /* spec.suspend: observed only */
        STATUS_DELETING,   /* finalizer at work */
        STATUS_POLICY,     /* the platform's MeshPolicy refuses the spec: nothing touched */
};

struct status_input {
        enum status_outcome outcome;
        long long generation;
        const char *domain;         /* may be NULL when the spec is invalid */
        const struct product *want; /* desired state, or NULL */
        const struct product *have; /* observed state after the plan ran, or NULL */
        const struct plan *plan;    /* with op states filled in, or NULL */
        const char *message;        /* INVALID: diagnostics; CONFLICT/FAILED/POLICY: why */
        const char *now;            /* RFC 3339 timestamp */
};

/*
 * Build the status object. `old` is the current status (or NULL) for transition times.
 * Returns a new json object the caller puts with json_object_put(), or NULL on no memory.
 */
json_object *status_build(const struct status_input *in, json_object *old);

/* True when `status` has Ready=True for `generation` (observedGeneration caught up). */
bool status_is_ready(json_object *status, long long generation);

#endif
