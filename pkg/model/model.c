#include "pkg/model/model.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkg/base/str.h"
#include "pkg/base/banned.h"

struct name_code {
        const char *name;
        int code;
};

static const struct name_code resources[] = {
    {"TOPIC", ACL_RES_TOPIC},
    {"GROUP", ACL_RES_GROUP},
    {"CLUSTER", ACL_RES_CLUSTER},
    {"TRANSACTIONAL_ID", ACL_RES_TRANSACTIONAL_ID},
    {NULL, 0},
};

static const struct name_code patterns[] = {
    {"LITERAL", ACL_PAT_LITERAL},
    {"PREFIXED", ACL_PAT_PREFIXED},
    {NULL, 0},
};

static const struct name_code ops[] = {
    {"ALL", ACL_OP_ALL},
    {"READ", ACL_OP_READ},
    {"WRITE", ACL_OP_WRITE},
    {"CREATE", ACL_OP_CREATE},
    {"DELETE", ACL_OP_DELETE},
    {"ALTER", ACL_OP_ALTER},
    {"DESCRIBE", ACL_OP_DESCRIBE},
    {"CLUSTER_ACTION", ACL_OP_CLUSTER_ACTION},
    {"DESCRIBE_CONFIGS", ACL_OP_DESCRIBE_CONFIGS},
    {"ALTER_CONFIGS", ACL_OP_ALTER_CONFIGS},
    {"IDEMPOTENT_WRITE", ACL_OP_IDEMPOTENT_WRITE},
    {NULL, 0},
};

static const struct name_code schema_types[] = {
    {"AVRO", SCHEMA_AVRO},
    {"JSON", SCHEMA_JSON},
    {"PROTOBUF", SCHEMA_PROTOBUF},
    {NULL, 0},
};

static const char *name_of(const struct name_code *t, int code)
{
        for (; t->name; t++)
                if (t->code == code)
                        return t->name;
        return "UNKNOWN";
}

static int code_of(const struct name_code *t, const char *s, int *out)
{
        for (; t->name; t++) {
                if (strcmp(t->name, s) == 0) {
                        *out = t->code;
                        return 0;
                }
        }
        return -1;
}

const char *acl_resource_str(enum acl_resource r)
{
        return name_of(resources, r);
}

const char *acl_pattern_str(enum acl_pattern p)
{
        return name_of(patterns, p);
}

const char *acl_op_str(enum acl_op op)
{
        return name_of(ops, op);
}

const char *acl_perm_str(enum acl_perm p)
{
        return p == ACL_PERM_ALLOW ? "ALLOW" : "DENY";
}

const char *schema_type_str(enum schema_type t)
{
        return name_of(schema_types, t);
}

const char *quota_key_str(enum quota_key k)
{
        static const char *names[] = {"producer_byte_rate", "consumer_byte_rate",
                                      "request_percentage"};
        return k < QUOTA_KEY_COUNT ? names[k] : "unknown";
}

const char *access_level_str(enum access_level a)
{
        static const char *names[] = {"none", "public", "protected", "private"};
        return a <= ACCESS_PRIVATE ? names[a] : "none";
}

int acl_resource_parse(const char *s, enum acl_resource *out)
{
        int c;
        if (code_of(resources, s, &c) < 0)
                return -1;
        *out = (enum acl_resource)c;
        return 0;
}

int acl_pattern_parse(const char *s, enum acl_pattern *out)
{
        int c;
        if (code_of(patterns, s, &c) < 0)
                return -1;
        *out = (enum acl_pattern)c;
        return 0;
}

int acl_op_parse(const char *s, enum acl_op *out)
{
        int c;
        if (code_of(ops, s, &c) < 0)
                return -1;
        *out = (enum acl_op)c;
        return 0;
}

int schema_type_parse(const char *s, enum schema_type *out)
{
        int c;
        if (code_of(schema_types, s, &c) < 0)
                return -1;
        *out = (enum schema_type)c;
        return 0;
}

struct product *product_new(void)
{
        return calloc(1, sizeof(struct product));
}

/* acl_free for vec_release, which calls through void (*)(void *) */
static void acl_free_item(void *x)
{
        acl_free(x);
}

/* subject_free for vec_release, which calls through void (*)(void *) */
static void subject_free_item(void *x)
{
        subject_free(x);
}

/* schema_ref_free for vec_release, which calls through void (*)(void *) */
static void schema_ref_free_item(void *x)
{
        schema_ref_free(x);
}

/* topic_free for vec_release, which calls through void (*)(void *) */
static void topic_free_item(void *x)
{
        topic_free(x);
}

void product_free(struct product *p)
{
        if (!p)
                return;
        free(p->domain);
        free(p->principal);
        vec_release(&p->topics, topic_free_item);
        vec_release(&p->acls, acl_free_item);
        vec_release(&p->subjects, subject_free_item);
        vec_release(&p->consumed, free);
        quota_free(p->quota);
        free(p);
}

struct topic *topic_new(const char *name, int partitions, int replicas)
{
        struct topic *t = calloc(1, sizeof(*t));

        if (!t)
                return NULL;
        t->name = strdup(name);
        if (!t->name) {
                free(t);
                return NULL;
        }
        t->partitions = partitions;
        t->replicas = replicas;
        strmap_init(&t->configs, MODEL_TOPIC_CONFIGS_MAX);
        return t;
}

void topic_free(struct topic *t)
{
        if (!t)
                return;
        free(t->name);
        free(t->channel);
        strmap_release(&t->configs);
        vec_release(&t->grants, free);
        free(t);
}

int topic_set_config(struct topic *t, const char *key, const char *value)
{
        return strmap_set(&t->configs, key, value);
}

const char *topic_config(const struct topic *t, const char *key)
{
        return strmap_get(&t->configs, key);
}

struct acl *acl_new(enum acl_resource r, const char *name, enum acl_pattern pat,
                    const char *principal, enum acl_op op)
{
        struct acl *a = calloc(1, sizeof(*a));

        if (!a)
                return NULL;
        a->resource = r;
        a->pattern = pat;
        a->op = op;
        a->perm = ACL_PERM_ALLOW;
        a->name = strdup(name);
        a->principal = strdup(principal);
        a->host = strdup("*");
        if (!a->name || !a->principal || !a->host) {
                acl_free(a);
                return NULL;
        }
        return a;
}

void acl_free(struct acl *a)
{
        if (!a)
                return;
        free(a->name);
        free(a->principal);
        free(a->host);
        free(a);
}

struct subject *subject_new(const char *name, enum schema_type type, const char *schema)
{
        struct subject *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        s->type = type;
        s->name = strdup(name);
        s->schema = str_dup(schema);
        if (!s->name || (schema && !s->schema)) {
                subject_free(s);
                return NULL;
        }
        return s;
}

void subject_free(struct subject *s)
{
        if (!s)
                return;
        free(s->name);
        free(s->schema);
        free(s->compatibility);
        free(s->topic);
        vec_release(&s->refs, schema_ref_free_item);
        free(s);
}

void schema_ref_free(struct schema_ref *r)
{
        if (!r)
                return;
        free(r->name);
        free(r->subject);
        free(r);
}

bool subject_refs_alike(const struct subject *a, const struct subject *b)
{
        if (a->refs.len != b->refs.len)
                return false;
        for (size_t i = 0; i < a->refs.len; i++) {
                const struct schema_ref *x = a->refs.items[i], *y = b->refs.items[i];
                if (strcmp(x->name, y->name) != 0 || strcmp(x->subject, y->subject) != 0)
                        return false;
        }
        return true;
}

int subject_add_ref(struct subject *s, const char *name, const char *subject, int version)
{
        struct schema_ref *r = calloc(1, sizeof(*r));

        if (r) {
                r->name = strdup(name);
                r->subject = strdup(subject);
                r->version = version;
        }
        if (!r || !r->name || !r->subject || vec_push(&s->refs, r) < 0) {
                schema_ref_free(r);
                return -1;
        }
        return 0;
}

struct quota *quota_new(const char *user)
{
        struct quota *q = calloc(1, sizeof(*q));

        if (!q)
                return NULL;
        q->user = strdup(user);
        if (!q->user) {
                free(q);
                return NULL;
        }
        return q;
}

void quota_free(struct quota *q)
{
        if (!q)
                return;
        free(q->user);
        free(q);
}

int acl_cmp(const struct acl *a, const struct acl *b)
{
        int c;

        if (a->resource != b->resource)
                return a->resource < b->resource ? -1 : 1;
        c = strcmp(a->name, b->name);
        if (c != 0)
                return c;
        if (a->pattern != b->pattern)
                return a->pattern < b->pattern ? -1 : 1;
        c = strcmp(a->principal, b->principal);
        if (c != 0)
                return c;
        c = strcmp(a->host, b->host);
        if (c != 0)
                return c;
        if (a->op != b->op)
                return a->op < b->op ? -1 : 1;
        if (a->perm != b->perm)
                return a->perm < b->perm ? -1 : 1;
        return 0;
}

int topic_cmp_name(const void *a, const void *b)
{
        return strcmp((*(struct topic *const *)a)->name, (*(struct topic *const *)b)->name);
}

int acl_cmp_ptr(const void *a, const void *b)
{
        return acl_cmp(*(struct acl *const *)a, *(struct acl *const *)b);
}

int subject_cmp_name(const void *a, const void *b)
{
        return strcmp((*(struct subject *const *)a)->name, (*(struct subject *const *)b)->name);
}

void product_sort(struct product *p)
{
        size_t out = 0;

        vec_sort(&p->topics, topic_cmp_name);
        vec_sort(&p->subjects, subject_cmp_name);
        vec_sort(&p->acls, acl_cmp_ptr);
        for (size_t i = 0; i < p->acls.len; i++) {
                if (out && acl_cmp(p->acls.items[out - 1], p->acls.items[i]) == 0)
                        acl_free(p->acls.items[i]);
                else
                        p->acls.items[out++] = p->acls.items[i];
        }
        p->acls.len = out;
}

static void *find_sorted(const struct vec *v, const char *name, size_t name_off)
{
        size_t lo = 0, hi = v->len;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const char *n = *(const char **)((const char *)v->items[mid] + name_off);
                int c = strcmp(n, name);
                if (c == 0)
                        return v->items[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

struct topic *product_topic(const struct product *p, const char *name)
{
        return find_sorted(&p->topics, name, offsetof(struct topic, name));
}

struct subject *product_subject(const struct product *p, const char *name)
{
        return find_sorted(&p->subjects, name, offsetof(struct subject, name));
}

bool model_topic_name_valid(const char *name, const char **why)
{
        size_t n = strlen(name);
        const char *dummy;

        if (!why)
                why = &dummy;
        if (n == 0) {
                *why = "topic name is empty";
                return false;
        }
        if (n > MODEL_TOPIC_NAME_MAX) {
                *why = "topic name is longer than 249 characters";
                return false;
        }
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
                *why = "topic name cannot be '.' or '..'";
                return false;
        }
        for (const char *c = name; *c; c++) {
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-')) {
                        *why = "topic name may only contain [a-zA-Z0-9._-]";
                        return false;
                }
        }
        return true;
}

bool model_topic_in_domain(const char *name, const char *domain)
{
        size_t n = strlen(domain);

        return strncmp(name, domain, n) == 0 && name[n] == '.';
}

static bool is_domain_prefix(const char *name, const char *domain)
{
        static const char *suffixes[] = {"", "_private.", "_public.", "_protected."};
        size_t n = strlen(domain);

        if (strncmp(name, domain, n) != 0 || name[n] != '.')
                return false;
        for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
                if (strcmp(name + n + 1, suffixes[i]) == 0)
                        return true;
        return false;
}

/* One binding SpecMesh v0.20.2 creates (KafkaApiSpec.requiredAcls): all PREFIXED, ALLOW, '*'.
 * `suffix` is appended to the domain; NULL means the resource is "kafka-cluster". `everyone`:
 * the principal is User:* instead of the owner. */
struct legacy_acl {
        enum acl_resource resource;
        const char *suffix;
        bool everyone;
        enum acl_op op;
};

static const struct legacy_acl legacy_set[] = {
    {ACL_RES_TOPIC, "", false, ACL_OP_DESCRIBE},
    {ACL_RES_TOPIC, "", false, ACL_OP_READ},
    {ACL_RES_TOPIC, "", false, ACL_OP_WRITE},
    {ACL_RES_TOPIC, "", false, ACL_OP_DELETE},
    {ACL_RES_TOPIC, "._private", false, ACL_OP_CREATE},
    {ACL_RES_TOPIC, "._public", true, ACL_OP_DESCRIBE},
    {ACL_RES_TOPIC, "._public", true, ACL_OP_READ},
    {ACL_RES_GROUP, "", false, ACL_OP_READ},
    {ACL_RES_GROUP, "", false, ACL_OP_DELETE},
    {ACL_RES_TRANSACTIONAL_ID, "", false, ACL_OP_DESCRIBE},
    {ACL_RES_TRANSACTIONAL_ID, "", false, ACL_OP_WRITE},
    {ACL_RES_CLUSTER, NULL, false, ACL_OP_IDEMPOTENT_WRITE},
};

/* `name` is exactly `domain` + `suffix` (never a longer or shorter name). */
static bool is_exact(const char *name, const char *domain, const char *suffix)
{
        size_t n = strlen(domain);

        return strncmp(name, domain, n) == 0 && strcmp(name + n, suffix) == 0;
}

bool model_acl_legacy(const struct acl *a, const char *domain, const char *owner)
{
        if (!domain || !owner || a->pattern != ACL_PAT_PREFIXED || a->perm != ACL_PERM_ALLOW ||
            !a->host || strcmp(a->host, "*") != 0)
                return false;
        for (size_t i = 0; i < sizeof(legacy_set) / sizeof(legacy_set[0]); i++) {
                const struct legacy_acl *l = &legacy_set[i];
                if (l->resource != a->resource || l->op != a->op ||
                    strcmp(a->principal, l->everyone ? "User:*" : owner) != 0)
                        continue;
                if (l->suffix ? is_exact(a->name, domain, l->suffix)
                              : strcmp(a->name, "kafka-cluster") == 0)
                        return true;
        }
        return false;
}

bool model_acl_owned(const struct acl *a, const char *domain, const char *owner)
{
        if (model_acl_legacy(a, domain, owner))
                return true;
        if (a->resource == ACL_RES_CLUSTER)
                return strcmp(a->principal, owner) == 0;
        if (a->pattern == ACL_PAT_PREFIXED)
                return is_domain_prefix(a->name, domain);
        return model_topic_owned(a->name, domain);
}

bool model_domains_overlap(const char *a, const char *b)
{
        size_t na = strlen(a), nb = strlen(b), n = na < nb ? na : nb;

        if (strncmp(a, b, n) != 0)
                return false;
        return na == nb || (na < nb ? b[n] == '.' : a[n] == '.');
}

bool model_access_segment(const char *s, size_t n)
{
        static const char *const levels[] = {"_public", "_protected", "_private"};

        for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
                if (n == strlen(levels[i]) && memcmp(s, levels[i], n) == 0)
                        return true;
        return false;
}

static bool segment_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
}

bool model_domain_valid(const char *domain, const char **why)
{
        const char *dummy, *s = domain;
        size_t n = strlen(domain);

        if (!why)
                why = &dummy;
        if (n == 0 || n > MODEL_DOMAIN_MAX) {
                *why = n ? "domain is longer than 200 characters" : "domain is empty";
                return false;
        }
        for (;;) {
                size_t len = strcspn(s, ".");
                if (len == 0) {
                        *why = "domain has an empty segment";
                        return false;
                }
                if (s[0] == '_') {
                        *why = model_access_segment(s, len)
                                   ? "domain has an access-level segment (_public, _protected, "
                                     "_private): those are reserved for topic names"
                                   : "domain segment starts with '_' (reserved for access levels)";
                        return false;
                }
                for (size_t i = 0; i < len; i++) {
                        if (!segment_char(s[i])) {
                                *why = "domain segments may only contain [a-zA-Z0-9_-]";
                                return false;
                        }
                }
                if (!s[len])
                        return true;
                s += len + 1;
        }
}

/* The part of `name` after "<domain>.<access>.", or NULL when there is none. */
static const char *after_access(const char *name, const char *domain)
{
        size_t n = strlen(domain), len;
        const char *seg;

        if (!model_topic_in_domain(name, domain))
                return NULL;
        seg = name + n + 1;
        len = strcspn(seg, ".");
        if (!model_access_segment(seg, len) || seg[len] != '.')
                return NULL;
        return seg + len + 1;
}

bool model_topic_owned(const char *name, const char *domain)
{
        const char *rest = after_access(name, domain);

        return rest && *rest;
}

bool model_subject_owned(const char *name, const char *domain)
{
        /* one rule for every name a product owns: no bare "<domain>.<x>" exception, which
         * would read like the longer domain <domain>.<x> */
        return model_topic_owned(name, domain);
}

bool model_principal_valid(const char *principal, const char **why)
{
        const char *dummy, *name;
        size_t n;

        if (!why)
                why = &dummy;
        if (!str_starts_with(principal, "User:")) {
                *why = "a principal must look like User:<name>";
                return false;
        }
        name = principal + 5;
        n = strlen(name);
        if (n == 0 || n > MODEL_TOPIC_NAME_MAX) {
                *why = "the principal's name must have 1 to 249 characters";
                return false;
        }
        for (const char *c = name; *c; c++) {
                if (*c < 0x20 || *c > 0x7e || *c == '*' || *c == '?') {
                        *why = "a principal may not be a wildcard or hold '*', '?' or control "
                               "characters";
                        return false;
                }
        }
        if (name[0] == ' ' || name[n - 1] == ' ') {
                *why = "the principal's name may not start or end with a space";
                return false;
        }
        if (strcasecmp(name, "ANONYMOUS") == 0) {
                *why = "ANONYMOUS is every unauthenticated client";
                return false;
        }
        return true;
}

enum access_level model_access_of(const char *topic, const char *domain)
{
        size_t n = strlen(domain);
        const char *seg;

        if (!model_topic_in_domain(topic, domain))
                return ACCESS_NONE;
        seg = topic + n + 1;
        if (str_starts_with(seg, "_public.") || strcmp(seg, "_public") == 0)
                return ACCESS_PUBLIC;
        if (str_starts_with(seg, "_protected.") || strcmp(seg, "_protected") == 0)
                return ACCESS_PROTECTED;
        if (str_starts_with(seg, "_private.") || strcmp(seg, "_private") == 0)
                return ACCESS_PRIVATE;
        return ACCESS_NONE;
}

struct topic *topic_dup(const struct topic *t)
{
        struct topic *c;

        if (!t)
                return NULL;
        c = topic_new(t->name, t->partitions, t->replicas);
        if (!c)
                return NULL;
        c->access = t->access;
        if (t->channel) {
                c->channel = strdup(t->channel);
                if (!c->channel)
                        goto fail;
        }
        if (strmap_copy(&c->configs, &t->configs) < 0)
                goto fail;
        for (size_t i = 0; i < t->grants.len; i++) {
                char *g = strdup(t->grants.items[i]);
                if (!g || vec_push(&c->grants, g) < 0) {
                        free(g);
                        goto fail;
                }
        }
        return c;
fail:
        topic_free(c);
        return NULL;
}

struct acl *acl_dup(const struct acl *a)
{
        struct acl *c;

        if (!a)
                return NULL;
        c = acl_new(a->resource, a->name, a->pattern, a->principal, a->op);
        if (!c)
                return NULL;
        c->perm = a->perm;
        free(c->host);
        c->host = strdup(a->host);
        if (!c->host) {
                acl_free(c);
                return NULL;
        }
        return c;
}

struct subject *subject_dup(const struct subject *s)
{
        struct subject *c;

        if (!s)
                return NULL;
        c = subject_new(s->name, s->type, s->schema);
        if (!c)
                return NULL;
        c->version = s->version;
        c->id = s->id;
        c->compatibility = str_dup(s->compatibility);
        c->topic = str_dup(s->topic);
        for (size_t i = 0; i < s->refs.len; i++) {
                const struct schema_ref *r = s->refs.items[i];
                if (subject_add_ref(c, r->name, r->subject, r->version) < 0) {
                        subject_free(c);
                        return NULL;
                }
        }
        if ((s->compatibility && !c->compatibility) || (s->topic && !c->topic)) {
                subject_free(c);
                return NULL;
        }
        return c;
}

struct quota *quota_dup(const struct quota *q)
{
        struct quota *c;

        if (!q)
                return NULL;
        c = quota_new(q->user);
        if (!c)
                return NULL;
        memcpy(c->values, q->values, sizeof(c->values));
        c->set = q->set;
        return c;
}
