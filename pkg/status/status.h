/*
 * The DataProduct status (DESIGN §2) computed from one reconcile's outcome: kstatus-style
 * conditions (Ready, Reconciling, Stalled) whose reason and message name what is wrong, the
 * domain, and small summaries (topic names and counts, subject versions, the ACL count,
 * orphans). Pure: the caller passes the clock reading and the previous status, so that a
 * condition's lastTransitionTime moves only when its status does.
 *
 * The conditions follow kstatus (what Flux, `kubectl wait` and Argo CD health checks read):
 *   PROGRESSING  Reconciling=True, Ready=False: written with the generation being worked on
 *                before anything is applied;
 *   SYNCED       Ready=True only when every change of the generation's plan went through and
 *                the plan has no problems; a problem is Stalled=True with its reason;
 *   FAILED       Reconciling=True (reason Retrying) when a retry may heal it, Stalled=True when
 *                it cannot (terminal or invalid, an incompatible schema) or when it has been
 *                retrying for longer than `stall_after` seconds (a progress deadline, like a
 *                Deployment's: the retries go on, and the first success clears it);
 *   INVALID, CONFLICT, PRINCIPAL, POLICY  Stalled=True: nothing heals until the spec (or the
 *                other product, or the policy) changes;
 *   SUSPENDED    Ready=True when in sync, else Ready=False and Stalled=True (reason Suspended):
 *                pending changes wait for the user, not for a retry;
 *   DELETING     Reconciling=True while the finalizer works.
 */
#ifndef PKG_STATUS_STATUS_H
#define PKG_STATUS_STATUS_H

#include <stdbool.h>
#include <json-c/json.h>

#include "pkg/base/err.h"

struct plan;
struct product;

enum status_outcome {
        STATUS_SYNCED = 0,  /* plan carried out (or nothing to do); problems may remain */
        STATUS_INVALID,     /* the spec does not parse: nothing touched (Stalled) */
        STATUS_CONFLICT,    /* another DataProduct owns the domain (Stalled) */
        STATUS_FAILED,      /* observe or apply failed; will retry (Reconciling) */
        STATUS_SUSPENDED,   /* spec.suspend: observed only */
        STATUS_DELETING,    /* finalizer at work */
        STATUS_PROGRESSING, /* the plan is about to be applied */
        STATUS_POLICY,      /* the platform's MeshPolicy refuses the spec: nothing touched */
        STATUS_PRINCIPAL,   /* another DataProduct acts as the same principal (Stalled) */
};

struct status_input {
        enum status_outcome outcome;
        long long generation;
        const char *domain;         /* may be NULL when the spec is invalid */
        const struct product *want; /* desired state, or NULL */
        const struct product *have; /* observed state after the plan ran, or NULL */
        const struct plan *plan;    /* with op states filled in, or NULL */
        const char *message;        /* INVALID: diagnostics; CONFLICT/FAILED: the error */
        bool terminal;              /* FAILED: a retry cannot fix it (Stalled, not Reconciling) */
        const char *reason;         /* FAILED: the Ready reason (e.g. RegistryUnavailable), or
                                       NULL to derive it from the plan */
        double stall_after;         /* FAILED: seconds of retrying before Stalled; 0: never */
        const char *now;            /* RFC 3339 timestamp */
        json_object *extra;         /* borrowed, or NULL: keys copied into the status as they
                                       are (credentials, usage) */
};

/*
 * Build the status object. `old` is the current status (or NULL) for transition times.
 * Returns a new json object the caller puts with json_object_put(), or NULL on no memory.
 */
json_object *status_build(const struct status_input *in, json_object *old);

/*
 * The Ready reason of a failure that backend `backend` ("kafka", "registry"; NULL: none)
 * caused with an error of `kind`: KafkaUnavailable / RegistryUnavailable (transient),
 * KafkaAccessDenied / RegistryAccessDenied (auth); NULL for the rest (derived from the plan).
 */
const char *status_failure_reason(const char *backend, enum err_kind kind);

/*
 * When `now` has Stalled=True and `old` (the status before, or NULL) had no Stalled=True, or
 * one with another reason: true, with the new condition's reason and message (borrowed from
 * `now`). Else false: a product stays stalled over its retries without a new transition.
 */
bool status_stalled_transition(json_object *old, json_object *now, const char **reason,
                               const char **message);

/* True when `status` has Ready=True for `generation` (observedGeneration caught up). */
bool status_is_ready(json_object *status, long long generation);

#endif
