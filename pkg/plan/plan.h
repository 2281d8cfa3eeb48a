/*
 * The plan: the ordered list of changes that turns the actual state of a data product into the
 * desired one, plus the problems that block parts of it (a partition shrink, a replication-factor
 * change). plan_build() is pure: no I/O, no clock, same input -> same output. The renderers
 * turn a plan into the text a person reads (like `terraform plan`) or the stable JSON of the
 * README. pkg/kafka and pkg/registry carry ops out and record each op's outcome in the op.
 *
 * Ownership: a plan owns its ops and problems; an op owns deep copies of the values it names,
 * so a plan outlives the products it was built from.
 */
#ifndef PKG_PLAN_PLAN_H
#define PKG_PLAN_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "pkg/base/err.h"
#include "pkg/base/vec.h"

struct err;
struct product;
struct topic;
struct acl;
struct subject;
struct quota;

enum plan_action {
        PLAN_CREATE = 0,
        PLAN_UPDATE,
        PLAN_DELETE,
        PLAN_ORPHAN, /* exists, no longer declared, kept (deletionPolicy Retain): report only */
};

enum plan_resource {
        PLAN_TOPIC = 0,
        PLAN_ACL,
        PLAN_SUBJECT,
        PLAN_QUOTA,
};

enum plan_op_state {
        OP_PENDING = 0,
        OP_DONE,
        OP_FAILED,
        OP_SKIPPED, /* not attempted: a dependency failed or dry run */
};

struct plan_op {
        enum plan_action action;
        enum plan_resource resource;
        /* The values, deep copies. `want` is the desired value (NULL for DELETE/ORPHAN), `have`
         * the actual one (NULL for CREATE). Exactly one of the typed pairs is used. */
        struct topic *want_topic, *have_topic;
        struct acl *acl; /* CREATE or DELETE of one ACL binding */
        struct subject *want_subject, *have_subject;
        struct quota *want_quota, *have_quota;
        /* Topic updates: what differs. */
        bool grow_partitions; /* want_topic->partitions > have_topic->partitions */
        bool alter_configs;   /* dynamic configs differ: set them to exactly want's */
        /* ACL deletes: the binding is the SpecMesh CLI's legacy form of one this plan creates
         * (model_acl_legacy); deleted only after every ACL create succeeded. */
        bool legacy;
        /* Subject updates. */
        bool new_schema;        /* register a new version (after a compatibility check) */
        bool set_compatibility; /* PUT /config/<subject> */
        /* Outcome, filled in by whoever carries the op out. */
        enum plan_op_state state;
        char *error;        /* OP_FAILED: why, one line */
        enum err_kind kind; /* OP_FAILED: whether a retry may heal it (ERR_NONE: not said) */
};

/* Something the plan cannot do for one resource, reported as a condition; the rest proceeds. */
struct plan_problem {
        char *resource; /* e.g. "topic london.x._public.attendee" */
        char *reason;   /* CamelCase condition reason, e.g. "PartitionDecrease" */
        char *message;  /* e.g. "topic x: partitions cannot shrink (6 -> 3)" */
};

struct plan {
        char *domain;
        char *principal;
        struct vec ops;      /* struct plan_op *, in the order they must be carried out */
        struct vec problems; /* struct plan_problem * */
};

enum plan_flags {
        PLAN_PRUNE = 1 << 0, /* delete undeclared topics and subjects (deletionPolicy Delete) */
};

void plan_init(struct plan *p);
void plan_release(struct plan *p);
void plan_op_free(struct plan_op *op);

/*
 * Compute the operations that turn `have` into `want`. Pure: no I/O, no clock. `have` holds
 * only what lies in want's domain (see model_acl_owned). Order: topic creates and updates,
 * subjects, ACL creates, quota, then ACL deletes, then (PLAN_PRUNE) subject and topic deletes,
 * orphans last. On failure (out of memory) returns -1, leaves `out` empty and sets `err`.
 */
int plan_build(const struct product *want, const struct product *have, unsigned flags,
               struct plan *out, struct err *err);

/*
 * The tenancy invariant (docs/security.md), checked over a built plan: every topic and subject
 * op names one of the domain's own (model_topic_owned / model_subject_owned), and a subject's
 * schema references name only the domain's own subjects; every ACL op is
 * one the domain owns (model_acl_owned) and, when it creates access for a principal other than
 * the plan's, grants only DESCRIBE/READ on the domain's own topics (User:* only on
 * "<domain>._public."); a quota op is on the plan's principal; the domain and principal are
 * themselves valid. plan_build() calls it last and fails with what it found. Returns 0, or -1
 * with `err` (ERR_INVALID) naming the first op outside.
 */
int plan_check_scope(const struct plan *p, struct err *err);

/* The name an op is about (topic, subject or ACL resource; the user of a quota). Borrowed. */
const char *plan_op_name(const struct plan_op *op);

/* Number of ops that change something (all but PLAN_ORPHAN). */
size_t plan_change_count(const struct plan *p);

/* Text a person reads, like a terraform plan. Caller frees with free(); NULL on no memory. */
char *plan_render_text(const struct plan *p);

/*
 * The stable JSON form documented in the README:
 * {"domain":..., "principal":..., "changes":[{"action":"create","resource":"topic",...}],
 *  "problems":[{"resource":...,"reason":...,"message":...}]}
 * Caller frees with free(); NULL on no memory.
 */
char *plan_render_json(const struct plan *p);

const char *plan_action_str(enum plan_action a);     /* "create", "update", "delete", "orphan" */
const char *plan_resource_str(enum plan_resource r); /* "topic", "acl", "subject", "quota" */

#endif
