/*
 * What `specmesh operator` shares between its threads: the connection settings, the
 * controller with its cache, the metrics, and one engine plus one API client per worker.
 * cmd_operator.c wires it up; reconcile.c is the DataProduct reconcile the workers run.
 */
#ifndef OPERATOR_OPERATOR_H
#define OPERATOR_OPERATOR_H

#include <stdatomic.h>
#include <stdbool.h>

#include "operator/cli.h"
#include "operator/engine.h"
#include "pkg/reconcile/speccache.h"
#include "operator/usage.h"
#include "pkg/runtime/breaker.h"
#include "pkg/runtime/combine.h"
#include "pkg/runtime/controller.h"
#include "pkg/runtime/httpd.h"
#include "pkg/runtime/metrics.h"

#define DP_GROUP_VERSION "specmesh.io/v1alpha1"
#define DP_FINALIZER     "specmesh.io/finalizer"
#define DP_COMPONENT     "specmesh-operator"
/* Seconds a backend whose reading failed (down, frozen, refusing) is left alone: reconciles
 * that need it fail at once with that error meanwhile, then one probes (pkg/runtime/breaker.h) */
#define BACKEND_HOLD_S 2.0
/* Seconds after a product's own write during which changes its readings show are not acted on
 * when it is already Ready (they may be the write itself, not yet shown by the broker read):
 * it is looked at again once they are past (reconcile.c before_apply). */
#define OWN_WRITE_SETTLE_S 3.0
/* The owner's pending AccessRequests on its status: written by access_ctl.c only; the
 * DataProduct's own status writes leave it as it is. */
#define DP_STATUS_ACCESS_REQUESTS "accessRequests"

struct op_worker {
        struct engine engine;
        bool engine_open;
        struct kube *kube;
        unsigned long kafka_seen, registry_seen; /* engine request counts already in metrics */
};

struct operator
{
        struct cli_conn conn;
        const struct kube_config *kube_cfg;
        struct controller ctl;
        struct metrics metrics;
        struct op_worker *workers;
        int nworkers;
        atomic_ulong rid;             /* reconcile ids for the logs */
        struct spec_cache specs;      /* parsed specs, one per object and generation */
        struct usage_collector usage; /* storage and lag for /metrics and the status */
        int stall_after_s;            /* --stall-after: seconds of retrying before Stalled */
        struct engine_shared shared;  /* the workers' shared observation (--observe-window) */
        struct combiner kafka_writes; /* the workers' Kafka writes, batched when they meet */
        bool share;                   /* false: --observe-window 0, each reconcile reads alone */
        struct breaker kafka_down, registry_down; /* the backends' breakers (BACKEND_HOLD_S) */
        bool was_down[2]; /* the breakers' state at the last tick (dp_tick only) */
};

/* The domains the cached DataProducts claim and the principals they act as, added to the
 * two sets (engine_shared.scope). */
int op_scope(void *arg, struct map *domains, struct map *principals);

extern const struct controller_ops dp_ops;

/* The domain a DataProduct object claims ("a.b.c" from spec.asyncapi.id "urn:a:b:c"), or
 * "" when it claims none. Writes at most `n` bytes. */
void dp_domain(json_object *obj, char *out, size_t n);

struct product;

/*
 * policy.c: judge `p` (in namespace `ns`) by every MeshPolicy in the cluster (none: the
 * default policy). Returns 0 allowed, 1 refused, -1 the policies could not be read (retry);
 * `msg` says why. *nested: every policy allows a claim inside another product's domain.
 */
int op_policy_verdict(struct kube *k, const struct product *p, const char *ns, bool *nested,
                      char *msg, size_t n);

/* catalogue_http.c: answer a catalogue route from the cache (503 unless `running`: the cache
 * is filled); false when `r` is none. */
bool op_catalogue(struct controller *ctl, bool running, const struct httpd_request *r,
                  struct httpd_response *w);

#endif
