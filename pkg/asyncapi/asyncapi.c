#include "pkg/asyncapi/asyncapi.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/asyncapi/internal.h"
#include "pkg/base/buf.h"
#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

#define DEFAULT_MAX_DOC    (4u << 20)
#define DEFAULT_MAX_SCHEMA (1u << 20)

int actx_error(struct actx *c, const struct ynode *n, const char *path, const char *fmt, ...)
{
        char msg[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return diags_add(c->d, c->file, n ? n->line : 0, n ? n->col : 0, path, "%s", msg);
}

long read_positive(struct actx *c, const struct ynode *n, const char *path, const char *what,
                   long max)
{
        long v;

        if (!n)
                return -1;
        if (n->type != YNODE_SCALAR || str_to_long(n->scalar, 1, max, &v) < 0) {
                actx_error(c, n, path, "%s must be a whole number from 1 to %ld, not '%s'", what,
                           max, n->type == YNODE_SCALAR ? n->scalar : "(a collection)");
                return -1;
        }
        return v;
}

/* `id: urn:a:b:c` -> domain "a.b.c". */
static int read_domain(struct actx *c)
{
        const struct ynode *id = ynode_get(c->doc, "id");
        const char *s = id && id->type == YNODE_SCALAR ? id->scalar : NULL;
        const char *why;

        if (!s)
                return actx_error(c, id ? id : c->doc, "id",
                                  "missing 'id': the domain comes from it, e.g. "
                                  "id: 'urn:london:hammersmith:olympia:bigdatalondon'");
        if (!str_starts_with(s, "urn:") || !s[4] || strstr(s, "::") || str_ends_with(s, ":"))
                return actx_error(c, id, "id",
                                  "malformed id '%s': expected urn:<part>:<part>..., e.g. "
                                  "urn:london:hammersmith:olympia:bigdatalondon",
                                  s);
        /* a '.' inside a part would let urn:a.b:c and urn:a:b:c name one domain */
        if (strchr(s + 4, '.'))
                return actx_error(c, id, "id",
                                  "id '%s' does not give a usable domain: parts are separated "
                                  "by ':' and may not contain '.'",
                                  s);
        c->p->domain = str_replace_char(str_dup(s + 4), ':', '.');
        if (!c->p->domain)
                return actx_error(c, id, "id", "out of memory");
        if (!model_domain_valid(c->p->domain, &why))
                return actx_error(c, id, "id", "id '%s' does not give a usable domain: %s", s, why);
        return 0;
}

static int read_version(struct actx *c)
{
        const struct ynode *v = ynode_get(c->doc, "asyncapi");
        const char *s = v && v->type == YNODE_SCALAR ? v->scalar : NULL;

        if (!s)
                return actx_error(c, v ? v : c->doc, "asyncapi",
                                  "missing 'asyncapi' version (2.0.0 to 2.6.0, or 3.0.0)");
        if (str_starts_with(s, "2.") && s[2] >= '0' && s[2] <= '6' && (!s[3] || s[3] == '.'))
                c->major = 2;
        else if (str_starts_with(s, "3.0") && (!s[3] || s[3] == '.'))
                c->major = 3;
        else
                return actx_error(c, v, "asyncapi",
                                  "unsupported AsyncAPI version '%s' (2.0 to 2.6, or 3.0)", s);
        return 0;
}

static int add_acl(struct product *p, enum acl_resource r, const char *name, enum acl_pattern pat,
                   const char *principal, enum acl_op op)
{
        struct acl *a = acl_new(r, name, pat, principal, op);

        if (!a || vec_push(&p->acls, a) < 0) {
                acl_free(a);
                return -1;
        }
        return 0;
}

/* The ACL set of DESIGN §3. */
static int build_acls(struct product *p)
{
        const char *o = p->principal;
        char *dom = str_printf("%s.", p->domain);
        char *priv = str_printf("%s._private.", p->domain);
        char *pub = str_printf("%s._public.", p->domain);
        int rc = -1;

        if (!dom || !priv || !pub)
                goto out;
        if (add_acl(p, ACL_RES_TOPIC, dom, ACL_PAT_PREFIXED, o, ACL_OP_DESCRIBE) ||
            add_acl(p, ACL_RES_TOPIC, dom, ACL_PAT_PREFIXED, o, ACL_OP_READ) ||
            add_acl(p, ACL_RES_TOPIC, dom, ACL_PAT_PREFIXED, o, ACL_OP_WRITE) ||
            add_acl(p, ACL_RES_TOPIC, dom, ACL_PAT_PREFIXED, o, ACL_OP_DELETE) ||
            add_acl(p, ACL_RES_TOPIC, priv, ACL_PAT_PREFIXED, o, ACL_OP_CREATE) ||
            add_acl(p, ACL_RES_GROUP, dom, ACL_PAT_PREFIXED, o, ACL_OP_READ) ||
            add_acl(p, ACL_RES_GROUP, dom, ACL_PAT_PREFIXED, o, ACL_OP_DELETE) ||
            add_acl(p, ACL_RES_TRANSACTIONAL_ID, dom, ACL_PAT_PREFIXED, o, ACL_OP_DESCRIBE) ||
            add_acl(p, ACL_RES_TRANSACTIONAL_ID, dom, ACL_PAT_PREFIXED, o, ACL_OP_WRITE) ||
            add_acl(p, ACL_RES_CLUSTER, "kafka-cluster", ACL_PAT_LITERAL, o,
                    ACL_OP_IDEMPOTENT_WRITE) ||
            add_acl(p, ACL_RES_TOPIC, pub, ACL_PAT_PREFIXED, "User:*", ACL_OP_DESCRIBE) ||
            add_acl(p, ACL_RES_TOPIC, pub, ACL_PAT_PREFIXED, "User:*", ACL_OP_READ))
                goto out;
        for (size_t i = 0; i < p->topics.len; i++) {
                const struct topic *t = p->topics.items[i];
                for (size_t g = 0; g < t->grants.len; g++) {
                        char *who = str_printf("User:%s", (char *)t->grants.items[g]);
                        int bad =
                            !who ||
                            add_acl(p, ACL_RES_TOPIC, t->name, ACL_PAT_LITERAL, who,
                                    ACL_OP_DESCRIBE) ||
                            add_acl(p, ACL_RES_TOPIC, t->name, ACL_PAT_LITERAL, who, ACL_OP_READ);
                        free(who);
                        if (bad)
                                goto out;
                }
        }
        rc = 0;
out:
        free(dom);
        free(priv);
        free(pub);
        return rc;
}

/* Quotas: manifest spec.quotas or the document's x-specmesh-quotas (same keys). */
static int read_quotas(struct actx *c, const struct ynode *q, const char *path)
{
        static const char *keys[QUOTA_KEY_COUNT] = {"producerByteRate", "consumerByteRate",
                                                    "requestPercentage"};
        char sub[256];

        if (!q)
                return 0;
        if (q->type != YNODE_MAP)
                return actx_error(c, q, path, "quotas must be a mapping");
        c->p->quota =
            quota_new(c->p->principal + (str_starts_with(c->p->principal, "User:") ? 5 : 0));
        if (!c->p->quota)
                return actx_error(c, q, path, "out of memory");
        for (size_t i = 0; i < q->len; i++) {
                int k;
                long v;
                for (k = 0; k < QUOTA_KEY_COUNT; k++)
                        if (strcmp(q->keys[i], keys[k]) == 0)
                                break;
                snprintf(sub, sizeof(sub), "%s.%s", path, q->keys[i]);
                if (k == QUOTA_KEY_COUNT) {
                        actx_error(c, q->items[i], sub,
                                   "unknown quota '%s' (producerByteRate, consumerByteRate, "
                                   "requestPercentage)",
                                   q->keys[i]);
                        continue;
                }
                /* request_percentage is a share of one thread (100 = one whole thread) */
                v = read_positive(c, q->items[i], sub, q->keys[i],
                                  k == QUOTA_REQUEST_PERCENTAGE ? 100000 : 1L << 50);
                if (v > 0) {
                        c->p->quota->values[k] = v;
                        c->p->quota->set |= 1u << k;
                }
        }
        return 0;
}

/* A DataProduct manifest: the document lives under spec.asyncapi. */
static int read_manifest(struct actx *c, struct ynode *root)
{
        /* every property of the CRD's spec (crds/dataproducts.specmesh.io.yaml); credentials is
         * read by the operator (operator/credentials.c), not here */
        static const char *const spec_keys[] = {
            "asyncapi",       "schemas", "principal",   "quotas",
            "deletionPolicy", "suspend", "credentials", NULL};
        struct ynode *spec = ynode_get(root, "spec");
        const char *v;

        if (!spec || spec->type != YNODE_MAP)
                return actx_error(c, spec ? spec : root, "spec", "a DataProduct needs a spec");
        check_keys(c, spec, "spec", spec_keys);
        c->doc = ynode_get(spec, "asyncapi");
        if (!c->doc || c->doc->type != YNODE_MAP)
                return actx_error(c, c->doc ? c->doc : spec, "spec.asyncapi",
                                  "spec.asyncapi must hold the AsyncAPI document");
        c->schemas = ynode_get(spec, "schemas");
        if (c->schemas && c->schemas->type != YNODE_MAP)
                return actx_error(c, c->schemas, "spec.schemas",
                                  "spec.schemas must map each $ref to the schema text");
        v = ynode_str(spec, "deletionPolicy");
        if (v && strcmp(v, "Delete") == 0)
                c->p->deletion = DELETION_DELETE;
        else if (v && strcmp(v, "Retain") != 0)
                actx_error(c, ynode_get(spec, "deletionPolicy"), "spec.deletionPolicy",
                           "deletionPolicy must be Retain or Delete, not '%s'", v);
        v = ynode_str(spec, "suspend");
        c->p->suspend = v && strcmp(v, "true") == 0;
        v = ynode_str(spec, "principal");
        if (v) {
                const char *why;
                if (!model_principal_valid(v, &why))
                        actx_error(c, ynode_get(spec, "principal"), "spec.principal",
                                   "principal '%s' is not allowed: %s", v, why);
                c->p->principal = str_dup(v);
        }
        return 0;
}

static bool is_manifest(const struct ynode *root)
{
        const char *kind = ynode_str(root, "kind");

        return kind && strcmp(kind, "DataProduct") == 0;
}

/* x-specmesh-* extensions are ours: an unknown one is a typo, not someone else's extension. */
static void check_extensions(struct actx *c)
{
        for (size_t i = 0; i < c->doc->len; i++)
                if (str_starts_with(c->doc->keys[i], "x-specmesh-") &&
                    strcmp(c->doc->keys[i], "x-specmesh-quotas") != 0 &&
                    strcmp(c->doc->keys[i], "x-specmesh-inline-schemas") != 0)
                        actx_error(c, c->doc->items[i], c->doc->keys[i],
                                   "unknown extension '%s' (known: x-specmesh-quotas, "
                                   "x-specmesh-inline-schemas)",
                                   c->doc->keys[i]);
}

/* Read everything; problems go to c->d. */
static void read_all(struct actx *c, struct ynode *root)
{
        struct ynode *quotas;

        c->doc = root;
        c->manifest = is_manifest(root);
        if (c->manifest && read_manifest(c, root) < 0)
                return;
        if (c->doc->type != YNODE_MAP) {
                actx_error(c, c->doc, NULL, "an AsyncAPI document must be a mapping");
                return;
        }
        if (read_version(c) < 0 || read_domain(c) < 0)
                return;
        if (!c->p->principal)
                c->p->principal = str_printf("User:%s", c->p->domain);
        check_extensions(c);
        read_channels(c);
        quotas = is_manifest(root) ? ynode_get(ynode_get(root, "spec"), "quotas") : NULL;
        if (quotas)
                read_quotas(c, quotas, "spec.quotas");
        else
                read_quotas(c, ynode_get(c->doc, "x-specmesh-quotas"), "x-specmesh-quotas");
        if (c->d->items.len == c->errors_before && build_acls(c->p) < 0)
                actx_error(c, NULL, NULL, "out of memory");
}

static struct product *load(struct actx *c, const char *data, size_t len, size_t max_doc)
{
        struct ynode *root;
        struct product *p = NULL;

        if (len > max_doc) {
                diags_add(c->d, c->file, 1, 1, NULL,
                          "document is %zu bytes, more than the %zu allowed", len, max_doc);
                return NULL;
        }
        root = ytree_parse(c->file, data, len, c->d);
        if (!root)
                return NULL;
        c->p = product_new();
        if (c->p)
                read_all(c, root);
        if (c->p && c->d->items.len == c->errors_before) {
                product_sort(c->p);
                p = c->p;
                c->p = NULL;
        }
        product_free(c->p);
        c->p = NULL;
        vec_release(&c->topic_src, free);
        ynode_free(root);
        return p;
}

static void ctx_init(struct actx *c, const char *name, const char *base_dir,
                     const struct asyncapi_opts *o, struct diags *d)
{
        memset(c, 0, sizeof(*c));
        c->file = name;
        c->base_dir = base_dir;
        c->max_schema = o && o->max_schema_bytes ? o->max_schema_bytes : DEFAULT_MAX_SCHEMA;
        c->d = d;
        c->errors_before = d->items.len;
}

struct product *asyncapi_load_buffer(const char *name, const char *data, size_t len,
                                     const char *base_dir, const struct asyncapi_opts *o,
                                     struct diags *d)
{
        struct actx c;
        struct product *p;

        ctx_init(&c, name, base_dir, o, d);
        p = load(&c, data, len, o && o->max_doc_bytes ? o->max_doc_bytes : DEFAULT_MAX_DOC);
        vec_release(&c.refs, free);
        return p;
}

/* Read `path` and load it, resolving relative refs against `base_dir` (NULL: its directory). */
static struct product *load_path(const char *path, const char *base_dir,
                                 const struct asyncapi_opts *o, struct diags *d, struct vec *refs)
{
        size_t max = o && o->max_doc_bytes ? o->max_doc_bytes : DEFAULT_MAX_DOC;
        char *dir = str_dup(path), *text;
        struct product *p = NULL;
        struct actx c;
        size_t len;

        text = str_read_file(path, max, &len);
        if (!text) {
                if (errno == EFBIG)
                        diags_add(d, path, 1, 1, NULL,
                                  "document is more than the %zu bytes allowed", max);
                else
                        diags_add(d, path, 1, 1, NULL, "cannot read: %s", strerror(errno));
                free(dir);
                return NULL;
        }
        ctx_init(&c, path, base_dir ? base_dir : dir ? dirname(dir) : ".", o, d);
        p = load(&c, text, len, max);
        if (refs) {
                for (size_t i = 0; i < c.refs.len; i++)
                        vec_push(refs, c.refs.items[i]);
                c.refs.len = 0;
        }
        vec_release(&c.refs, free);
        free(text);
        free(dir);
        return p;
}

struct product *asyncapi_load_file(const char *path, const struct asyncapi_opts *o, struct diags *d)
{
        return load_path(path, NULL, o, d, NULL);
}

int asyncapi_schema_refs(const char *path, const char *base_dir, const struct asyncapi_opts *o,
                         struct vec *refs, struct diags *d)
{
        struct product *p = load_path(path, base_dir, o, d, refs);

        if (!p)
                return -1;
        product_free(p);
        return 0;
}
