/*
 * The platform team's rules for data products (docs/security.md, "Policy reference"): which
 * namespaces may claim which domain subtrees, which principals a product may use, limits on
 * topics and quotas, whether deletionPolicy Delete is allowed, the minimum schema
 * compatibility. A policy is read from a MeshPolicy object (YAML or JSON, cluster-scoped, see
 * crds/meshpolicies.specmesh.io.yaml) or from its bare spec; policy_check() is pure and
 * reports every rule a product breaks, each naming the rule and the field. Used by the CLI
 * (--policy FILE) and the operator (every MeshPolicy in the cluster; a product must satisfy
 * each). No I/O.
 *
 * Ownership: a policy owns its strings and vectors; violations are owned by the vector they
 * are appended to (free with policy_violation_free).
 */
#ifndef PKG_POLICY_POLICY_H
#define PKG_POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "pkg/base/vec.h"

struct diags;
struct product;

/* One claim rule: namespaces (exact names) that may claim domains in the subtrees. */
struct policy_claim {
        struct vec namespaces; /* char *; "*" matches every namespace */
        struct vec domains;    /* char *: subtree roots, e.g. "london.hammersmith" */
};

/* A limit that is set when its `set` flag is. */
struct policy_range {
        bool has_min, has_max;
        long min, max;
};

struct policy {
        char *name;                  /* metadata.name, for messages ("default" if none) */
        struct vec claims;           /* struct policy_claim *; empty: any namespace, any domain */
        bool allow_parent_ownership; /* a claim may nest inside another product's domain */
        bool allow_principal_override;
        struct vec principals;          /* char *: allowed overrides; "User:svc-*" is a prefix */
        struct vec reserved_principals; /* char *: super users etc., never a product's */
        struct policy_range partitions, replicas;
        long retention_ms_max;      /* 0: no cap; a cap also refuses -1 (infinite) */
        long retention_bytes_max;   /* 0: no cap */
        struct vec allowed_configs; /* char *; empty: any config key */
        bool quotas_required;
        double quota_max[3];     /* producer, consumer, request percentage; 0: no ceiling */
        bool allow_delete;       /* deletionPolicy: Delete (default true) */
        char *min_compatibility; /* e.g. "BACKWARD"; NULL: any */
};

struct policy_violation {
        char *rule;    /* e.g. "topics.partitions.max" */
        char *field;   /* e.g. "channels._public/orders.bindings.kafka.partitions" */
        char *message; /* one line, names the value and the limit */
};

/*
 * Parse a policy from `len` bytes of YAML or JSON named `file`: a MeshPolicy object or its
 * spec alone. Unknown keys are errors. Returns a policy (free with policy_free) or NULL with
 * every problem in `d`.
 */
struct policy *policy_parse(const char *file, const char *data, size_t len, struct diags *d);
void policy_free(struct policy *p);
void policy_violation_free(struct policy_violation *v);
/* The same, typed for vec_release(). */
void policy_free_item(void *p);
void policy_violation_free_item(void *v);

/*
 * Append to `out` (struct policy_violation *) every rule of `pol` that `p` breaks, in rule
 * order. `ns` is the namespace the product lives in, or NULL when unknown (the CLI): then the
 * claim rule only checks that some namespace may claim the domain. Returns the number of
 * violations appended, or -1 when memory ran out.
 */
int policy_check(const struct policy *pol, const struct product *p, const char *ns,
                 struct vec *out);

/*
 * Check `p` against every policy in `pols` (struct policy *; none: the default policy, which
 * allows no principal override and no nesting). Writes every violation to `msg` as
 * "MeshPolicy <name>, rule <rule>: <what>, at <field>; ..." (cut to `n`), sets *nested when
 * every policy allows parent ownership (allowParentOwnership) and there is at least one.
 * Returns the number of violations, or -1 when memory ran out.
 */
int policy_check_all(const struct vec *pols, const struct product *p, const char *ns, char *msg,
                     size_t n, bool *nested);

/* True when `level` is at least as strong as `min` (FULL_TRANSITIVE >= FULL >= BACKWARD ...).
 * Unknown levels are never strong enough. */
bool policy_compat_at_least(const char *level, const char *min);

/* True when `domain` equals `root` or lies below it (root "a.b" covers "a.b.c", not "a.bc"). */
bool policy_domain_within(const char *domain, const char *root);

#endif
