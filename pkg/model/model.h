/*
 * The value types of a data product: topics, ACLs, schema subjects and a client quota, and
 * `struct product`, which holds one whole state. The same types describe the desired state
 * (read from an AsyncAPI document) and the actual state (observed in Kafka and the registry),
 * so the planner compares like with like. Everything here is plain data plus constructors,
 * destructors, comparators and the naming rules of DESIGN §3 that every layer must agree on
 * (which resources a domain owns). No I/O.
 *
 * Ownership: a product owns its vectors and everything in them; a topic owns its configs.
 * Strings are heap copies freed with the struct that holds them.
 */
#ifndef PKG_MODEL_MODEL_H
#define PKG_MODEL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkg/base/strmap.h"
#include "pkg/base/vec.h"

/* Kafka's limit on topic names (249 characters of [a-zA-Z0-9._-]). */
#define MODEL_TOPIC_NAME_MAX 249

/* The most configs one topic may have (Kafka knows some forty topic configs). */
#define MODEL_TOPIC_CONFIGS_MAX 1024

enum access_level {
        ACCESS_NONE = 0, /* no _public/_protected/_private segment */
        ACCESS_PUBLIC,
        ACCESS_PROTECTED,
        ACCESS_PRIVATE,
};

struct topic {
        char *name;
        int partitions;        /* -1: not declared, use the broker default */
        int replicas;          /* -1: not declared, use the broker default */
        struct strmap configs; /* e.g. retention.ms=604800000; desired: declared; actual: dynamic */
        enum access_level access;
        char *channel;     /* desired: the channel as written (for messages); else NULL */
        struct vec grants; /* desired: char * domains from grant-access:<domain> tags */
};

/* Codes are Kafka's wire codes (and librdkafka's enum values). */
enum acl_resource {
        ACL_RES_TOPIC = 2,
        ACL_RES_GROUP = 3,
        ACL_RES_CLUSTER = 4,
        ACL_RES_TRANSACTIONAL_ID = 5,
};

enum acl_pattern {
        ACL_PAT_LITERAL = 3,
        ACL_PAT_PREFIXED = 4,
};

enum acl_op {
        ACL_OP_ALL = 2,
        ACL_OP_READ = 3,
        ACL_OP_WRITE = 4,
        ACL_OP_CREATE = 5,
        ACL_OP_DELETE = 6,
        ACL_OP_ALTER = 7,
        ACL_OP_DESCRIBE = 8,
        ACL_OP_CLUSTER_ACTION = 9,
        ACL_OP_DESCRIBE_CONFIGS = 10,
        ACL_OP_ALTER_CONFIGS = 11,
        ACL_OP_IDEMPOTENT_WRITE = 12,
};

enum acl_perm {
        ACL_PERM_DENY = 2,
        ACL_PERM_ALLOW = 3,
};

struct acl {
        enum acl_resource resource;
        char *name; /* resource name; "kafka-cluster" for CLUSTER */
        enum acl_pattern pattern;
        char *principal; /* "User:x" */
        char *host;      /* "*" */
        enum acl_op op;
        enum acl_perm perm;
};

enum schema_type {
        SCHEMA_AVRO = 0,
        SCHEMA_JSON,
        SCHEMA_PROTOBUF,
};

/* A schema reference (Confluent API): the schema names `name` (an Avro full name, a JSON
 * Schema $ref, a Protobuf import) and finds it as `subject` version `version`. */
struct schema_ref {
        char *name;
        char *subject;
        int version; /* actual: the registered version; desired: 0, the subject's latest */
};

struct subject {
        char *name; /* e.g. "<topic>-value" */
        enum schema_type type;
        char *schema;        /* the schema text */
        char *compatibility; /* e.g. "FULL_TRANSITIVE"; actual: NULL when not set per subject */
        char *topic;         /* desired: the topic it describes; actual: NULL */
        int version;         /* actual: latest version; desired: 0 */
        int id;              /* actual: global schema id; desired: 0 */
        struct vec refs;     /* struct schema_ref *, in the order the schema names them */
};

enum quota_key {
        QUOTA_PRODUCER_BYTE_RATE = 0,
        QUOTA_CONSUMER_BYTE_RATE,
        QUOTA_REQUEST_PERCENTAGE,
        QUOTA_KEY_COUNT,
};

/* Client quotas on entity user=<user>. A value is present when its bit is set in `set`. */
struct quota {
        char *user; /* the principal's name without "User:" */
        double values[QUOTA_KEY_COUNT];
        unsigned set; /* 1u << enum quota_key */
};

enum deletion_policy {
        DELETION_RETAIN = 0,
        DELETION_DELETE,
};

/* A whole state of one data product, desired or actual. */
struct product {
        char *domain;        /* "london.hammersmith.olympia.bigdatalondon" */
        char *principal;     /* "User:<domain>" unless overridden */
        struct vec topics;   /* struct topic *, sorted by name after product_sort() */
        struct vec acls;     /* struct acl *, sorted by acl_cmp after product_sort() */
        struct vec subjects; /* struct subject *, sorted by name after product_sort() */
        struct quota *quota; /* NULL: no quota declared (desired) or none set (actual) */
        struct vec consumed; /* desired: char * names of other domains' topics it reads */
        enum deletion_policy deletion;
        bool suspend;
};

/* Names of enum values as Kafka spells them ("TOPIC", "PREFIXED", "IDEMPOTENT_WRITE", ...). */
const char *acl_resource_str(enum acl_resource r);
const char *acl_pattern_str(enum acl_pattern p);
const char *acl_op_str(enum acl_op op);
const char *acl_perm_str(enum acl_perm p);
const char *schema_type_str(enum schema_type t);   /* "AVRO", "JSON", "PROTOBUF" */
const char *quota_key_str(enum quota_key k);       /* "producer_byte_rate", ... */
const char *access_level_str(enum access_level a); /* "public", ..., "none" */

/* Parse the strings above back (exact, upper case for ACL enums). Return 0 or -1. */
int acl_resource_parse(const char *s, enum acl_resource *out);
int acl_pattern_parse(const char *s, enum acl_pattern *out);
int acl_op_parse(const char *s, enum acl_op *out);
int schema_type_parse(const char *s, enum schema_type *out);

/* Constructors return NULL when memory runs out. Destructors accept NULL. */
struct product *product_new(void);
void product_free(struct product *p);
struct topic *topic_new(const char *name, int partitions, int replicas);
void topic_free(struct topic *t);
/*
 * Set (replace) a config entry. Returns 0, STRMAP_NOMEM or STRMAP_FULL (a new key past
 * MODEL_TOPIC_CONFIGS_MAX); both failures are negative and leave the configs unchanged.
 */
int topic_set_config(struct topic *t, const char *key, const char *value);
/* The value of config `key`, or NULL. Borrowed: valid while t lives. */
const char *topic_config(const struct topic *t, const char *key);
struct acl *acl_new(enum acl_resource r, const char *name, enum acl_pattern pat,
                    const char *principal, enum acl_op op);
void acl_free(struct acl *a);
struct subject *subject_new(const char *name, enum schema_type type, const char *schema);
void subject_free(struct subject *s);
/* Append a reference to s->refs. Returns 0, or -1 when memory runs out. */
int subject_add_ref(struct subject *s, const char *name, const char *subject, int version);
void schema_ref_free(struct schema_ref *r);
/* True when a and b reference the same names under the same subjects, in order (versions are
 * not compared). */
bool subject_refs_alike(const struct subject *a, const struct subject *b);
struct quota *quota_new(const char *user);
void quota_free(struct quota *q);

/* Deep copies; NULL when memory runs out (or when the argument is NULL). */
struct topic *topic_dup(const struct topic *t);
struct acl *acl_dup(const struct acl *a);
struct subject *subject_dup(const struct subject *s);
struct quota *quota_dup(const struct quota *q);

/* Total orders used for sorting and diffing. */
int acl_cmp(const struct acl *a, const struct acl *b);
int topic_cmp_name(const void *a, const void *b);   /* qsort over struct topic ** */
int acl_cmp_ptr(const void *a, const void *b);      /* qsort over struct acl ** */
int subject_cmp_name(const void *a, const void *b); /* qsort over struct subject ** */

/* Sort topics, ACLs and subjects; drop duplicate ACLs. */
void product_sort(struct product *p);

/* Lookups by name in a sorted product. Borrowed results, NULL when absent. */
struct topic *product_topic(const struct product *p, const char *name);
struct subject *product_subject(const struct product *p, const char *name);

/*
 * True when `name` is a legal Kafka topic name: 1..249 chars of [a-zA-Z0-9._-], not "." or "..".
 * On false, `why` (if not NULL) points to a static reason.
 */
bool model_topic_name_valid(const char *name, const char **why);

/*
 * True when the resource of `a` lies in `domain` and so belongs to the product that owns the
 * domain (DESIGN §3): prefixed resources equal to one of the domain's prefixes ("<domain>.",
 * "<domain>._public." ...), literal resources that are the domain's own topic names
 * (model_topic_owned: never a longer domain's), and the CLUSTER ACL of `owner`. The planner
 * deletes owned ACLs that the spec does not declare; it never touches unowned ones.
 */
bool model_acl_owned(const struct acl *a, const char *domain, const char *owner);

/*
 * True when `a` is one of the bindings the SpecMesh CLI (v0.20.2) creates for `domain` with
 * owner principal `owner`, in the form specmesh replaces: PREFIXED without the trailing dot
 * (TOPIC `<domain>` DESCRIBE/READ/WRITE/DELETE, TOPIC `<domain>._private` CREATE, GROUP
 * `<domain>` READ/DELETE, TRANSACTIONAL_ID `<domain>` DESCRIBE/WRITE, all for `owner`; TOPIC
 * `<domain>._public` DESCRIBE/READ for User:*) and the PREFIXED CLUSTER IDEMPOTENT_WRITE of
 * `owner`; ALLOW, host '*'. Names must match exactly: a longer domain (`<domain>.x`,
 * `<domain>x`) or another principal is never legacy. Such ACLs are owned (model_acl_owned).
 */
bool model_acl_legacy(const struct acl *a, const char *domain, const char *owner);

/* True when topic `name` lies in `domain` ("<domain>." prefix). */
bool model_topic_in_domain(const char *name, const char *domain);

/* The access level of a topic name inside `domain`: the first segment after "<domain>.". */
enum access_level model_access_of(const char *topic, const char *domain);

/*
 * Tenancy (docs/security.md). Domains form a tree: "a.b.c" lies below "a.b". A name that
 * continues the domain with a segment that is not an access level belongs to a longer domain:
 * "a.b.c._public.x" is a.b.c's, never a.b's. So a product owns exactly these names:
 *   topics and subjects  "<domain>.<access>.<rest>" (access: _public, _protected, _private;
 *                        rest not empty), so a RecordNameStrategy record is named e.g.
 *                        "<domain>._public.Order" (Avro namespace "<domain>._public")
 *   ACLs                 see model_acl_owned.
 */

/* Longest domain: leaves room for "._protected." and a topic name within Kafka's 249. */
#define MODEL_DOMAIN_MAX 200

/*
 * True when `domain` ("a.b.c", from id urn:a:b:c) is a usable domain: 1..MODEL_DOMAIN_MAX
 * chars, segments separated by single dots, each segment of [a-zA-Z0-9_-], none empty and none
 * starting with '_' (so none is an access level such as _public). On false, `why` (if not NULL)
 * points to a static reason.
 */
bool model_domain_valid(const char *domain, const char **why);

/* True when `a` and `b` are the same domain or one lies below the other ("a.b" and "a.b.c",
 * not "a.b" and "a.bc"): two claims that may not coexist unless policy allows nesting. */
bool model_domains_overlap(const char *a, const char *b);

/* True when [s, s+n) is one of the access-level segments _public, _protected, _private. */
bool model_access_segment(const char *s, size_t n);

/* True when topic `name` is one of `domain`'s own: "<domain>.<access>.<rest>", rest not empty. */
bool model_topic_owned(const char *name, const char *domain);

/* True when subject `name` is `domain`'s own (see above). */
bool model_subject_owned(const char *name, const char *domain);

/*
 * True when `principal` may be a product's principal: "User:<name>", name 1..249 printable
 * ASCII characters without '*' or '?', no leading or trailing space, and not ANONYMOUS (any
 * case). Policy decides more (super users, overrides); this is what is never acceptable.
 */
bool model_principal_valid(const char *principal, const char **why);

#endif
