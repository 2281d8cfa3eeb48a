#include "pkg/model/model.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

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

/* kv_free for vec_release, which calls through void (*)(void *) */
static void kv_free_item(void *x)
{
        kv_free(x);
}

/* subject_free for vec_release, which calls through void (*)(void *) */
static void subject_free_item(void *x)
{
        subject_free(x);
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
        return t;
}

void kv_free(struct kv *kv)
{
        if (!kv)
                return;
        free(kv->key);
        free(kv->value);
        free(kv);
}

void topic_free(struct topic *t)
{
        if (!t)
                return;
        free(t->name);
        free(t->channel);
        vec_release(&t->configs, kv_free_item);
        vec_release(&t->grants, free);
        free(t);
}

/* Index of the first config whose key is >= key. */
static size_t config_slot(const struct topic *t, const char *key, int *found)
{
        size_t lo = 0, hi = t->configs.len;

        *found = 0;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(((struct kv *)t->configs.items[mid])->key, key);
                if (c == 0) {
                        *found = 1;
                        return mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

int topic_set_config(struct topic *t, const char *key, const char *value)
{
        int found;
        size_t i = config_slot(t, key, &found);
        char *v = strdup(value);
        struct kv *kv;

        if (!v)
                return -1;
        if (found) {
                kv = t->configs.items[i];
                free(kv->value);
                kv->value = v;
                return 0;
        }
        kv = calloc(1, sizeof(*kv));
        if (kv)
                kv->key = strdup(key);
        if (!kv || !kv->key || vec_push(&t->configs, kv) < 0) {
                if (kv)
                        free(kv->key);
                free(kv);
                free(v);
                return -1;
        }
        kv->value = v;
        /* shift into place to keep the vector sorted */
        memmove(&t->configs.items[i + 1], &t->configs.items[i],
                (t->configs.len - 1 - i) * sizeof(void *));
        t->configs.items[i] = kv;
        return 0;
}

const char *topic_config(const struct topic *t, const char *key)
{
        int found;
        size_t i = config_slot(t, key, &found);

        return found ? ((struct kv *)t->configs.items[i])->value : NULL;
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
        free(s);
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

bool model_acl_owned(const struct acl *a, const char *domain, const char *owner)
{
        if (a->resource == ACL_RES_CLUSTER)
                return strcmp(a->principal, owner) == 0;
        if (a->pattern == ACL_PAT_PREFIXED)
                return is_domain_prefix(a->name, domain);
        return model_topic_in_domain(a->name, domain);
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
        for (size_t i = 0; i < t->configs.len; i++) {
                const struct kv *kv = t->configs.items[i];
                if (topic_set_config(c, kv->key, kv->value) < 0)
                        goto fail;
        }
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
