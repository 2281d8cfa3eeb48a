#include "operator/credentials.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "operator/operator.h"
#include "pkg/base/err.h"
#include "pkg/base/log.h"
#include "pkg/base/str.h"
#include "pkg/kafka/scramcred.h"
#include "pkg/kube/kube.h"
#include "pkg/base/banned.h"

#define A_ROTATED_AT "specmesh.io/rotated-at"
#define A_ROTATION   "specmesh.io/rotation" /* the rotate-credentials value last handled */
#define A_MECHANISM  "specmesh.io/mechanism"
#define A_STATE      "specmesh.io/credential" /* "pending": written, not yet set in Kafka */

/* What spec.credentials asks for. */
struct want {
        int mech;
        long rotation_days; /* 0: no schedule */
};

/* What the Secret holds, when it exists and is ours. */
struct have {
        json_object *secret; /* NULL: none */
        char *password;      /* decoded; NULL when absent */
        int mech;            /* from its annotation; 0 when unknown */
        const char *rotated_at, *rotation;
        bool pending; /* the Secret was written but Kafka may not have its password yet */
};

static json_object *get(json_object *o, const char *a, const char *b)
{
        json_object *x = NULL, *y = NULL;

        if (!o || !json_object_object_get_ex(o, a, &x))
                return NULL;
        if (!b)
                return x;
        return json_object_object_get_ex(x, b, &y) ? y : NULL;
}

static const char *annotation(json_object *obj, const char *key)
{
        json_object *v = get(get(obj, "metadata", "annotations"), key, NULL);

        return v ? json_object_get_string(v) : "";
}

/* spec.credentials into `w`; 0 when absent (nothing to do), 1 when present, -1 invalid. */
static int read_want(json_object *obj, struct want *w, struct err *err)
{
        json_object *c = get(obj, "spec", "credentials"), *m, *d;

        if (!c)
                return 0;
        m = get(c, "mechanism", NULL);
        d = get(c, "rotationDays", NULL);
        w->mech = m ? scramcred_mech(json_object_get_string(m)) : SCRAM_MECH_SHA_512;
        if (!w->mech)
                return err_set(err, ERR_INVALID,
                               "spec.credentials.mechanism: '%s' is not SCRAM-SHA-512 or "
                               "SCRAM-SHA-256",
                               json_object_get_string(m));
        w->rotation_days = d ? json_object_get_int64(d) : 0;
        if (w->rotation_days < 0 || w->rotation_days > 3650)
                return err_set(err, ERR_INVALID,
                               "spec.credentials.rotationDays: %ld is not 0..3650",
                               w->rotation_days);
        return 1;
}

static void secret_path(json_object *obj, char *out, size_t n)
{
        snprintf(out, n, "/api/v1/namespaces/%s/secrets/%s-credentials", kube_ns(obj),
                 kube_name(obj));
}

static bool owned_by(json_object *secret, json_object *obj)
{
        json_object *refs = get(secret, "metadata", "ownerReferences");
        const char *uid = kube_meta_str(obj, "uid");

        for (size_t i = 0; refs && i < json_object_array_length(refs); i++) {
                json_object *u = get(json_object_array_get_idx(refs, i), "uid", NULL);
                if (u && uid[0] && strcmp(json_object_get_string(u), uid) == 0)
                        return true;
        }
        return false;
}

static char *b64(const char *s)
{
        size_t n = strlen(s);
        char *out = malloc(4 * ((n + 2) / 3) + 1);

        if (out)
                EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
        return out;
}

static char *unb64(const char *s)
{
        size_t n = strlen(s);
        unsigned char *out;
        int len;

        if (n % 4)
                return NULL;
        out = malloc(3 * (n / 4) + 1);
        len = out ? EVP_DecodeBlock(out, (const unsigned char *)s, (int)n) : -1;
        if (len < 0) {
                free(out);
                return NULL;
        }
        len -= (n > 0 && s[n - 1] == '=') + (n > 1 && s[n - 2] == '=');
        out[len] = 0;
        return (char *)out;
}

/* Read the Secret; a missing one is not an error. One not owned by `obj` is. */
static int read_have(const struct dp_cred_ctx *c, const char *path, struct have *h, struct err *err)
{
        json_object *pw;
        struct err e2;

        memset(h, 0, sizeof(*h));
        err_clear(&e2);
        if (kube_request(c->kube, "GET", path, NULL, NULL, &h->secret, &e2) < 0) {
                if (e2.kind == ERR_NOT_FOUND)
                        return 0;
                *err = e2;
                return err_prefix(err, "credentials: cannot read Secret %s/%s-credentials",
                                  kube_ns(c->obj), kube_name(c->obj));
        }
        if (!owned_by(h->secret, c->obj))
                return err_set(err, ERR_CONFLICT,
                               "credentials: Secret %s/%s-credentials exists and is not owned by "
                               "this DataProduct: not touched",
                               kube_ns(c->obj), kube_name(c->obj));
        pw = get(get(h->secret, "data", NULL), "password", NULL);
        h->password = pw ? unb64(json_object_get_string(pw)) : NULL;
        h->mech = scramcred_mech(annotation(h->secret, A_MECHANISM));
        h->rotated_at = annotation(h->secret, A_ROTATED_AT);
        h->rotation = annotation(h->secret, A_ROTATION);
        h->pending = strcmp(annotation(h->secret, A_STATE), "applied") != 0;
        return 0;
}

static void have_release(struct have *h)
{
        if (h->password) {
                OPENSSL_cleanse(h->password, strlen(h->password));
                free(h->password);
        }
        json_object_put(h->secret);
}

/* Whether a new password is due: asked for by annotation, or by the schedule. */
static const char *rotation_due(const struct dp_cred_ctx *c, const struct want *w,
                                const struct have *h)
{
        const char *asked = annotation(c->obj, DP_ROTATE_ANNOTATION);
        double at = kube_time_parse(h->rotated_at);

        if (asked[0] && strcmp(asked, h->rotation) != 0)
                return "rotated on request (" DP_ROTATE_ANNOTATION ")";
        if (w->rotation_days && (at < 0 || time(NULL) - at >= (double)w->rotation_days * 86400))
                return "rotated on schedule (spec.credentials.rotationDays)";
        return NULL;
}

static void put_str(json_object *o, const char *k, const char *v)
{
        json_object_object_add(o, k, json_object_new_string(v));
}

/* data: base64 of each value; -1 when memory runs out. */
static int put_data(json_object *data, const char *key, const char *value)
{
        char *v = value ? b64(value) : NULL;

        if (!v)
                return -1;
        put_str(data, key, v);
        OPENSSL_cleanse(v, strlen(v));
        free(v);
        return 0;
}

static json_object *owner_refs(json_object *obj)
{
        json_object *refs = json_object_new_array(), *r = json_object_new_object();

        put_str(r, "apiVersion", DP_GROUP_VERSION);
        put_str(r, "kind", "DataProduct");
        put_str(r, "name", kube_name(obj));
        put_str(r, "uid", kube_meta_str(obj, "uid"));
        json_object_object_add(r, "controller", json_object_new_boolean(1));
        json_object_array_add(refs, r);
        return refs;
}

/* The Secret object for `password`. */
static json_object *secret_json(const struct dp_cred_ctx *c, const char *user, int mech,
                                const char *password, const char *rotation, const char *rv)
{
        json_object *s = json_object_new_object(), *meta = json_object_new_object();
        json_object *labels = json_object_new_object(), *ann = json_object_new_object();
        json_object *data = json_object_new_object();
        char *jaas = scramcred_jaas(mech, user, password);
        char *rd = scramcred_properties(false, mech, user, password,
                                        kafka_config_get(c->kafka, "bootstrap.servers"),
                                        kafka_config_get(c->kafka, "security.protocol"));
        char name[300], now[32];
        int bad;

        kube_now(now);
        snprintf(name, sizeof(name), "%s-credentials", kube_name(c->obj));
        put_str(s, "apiVersion", "v1");
        put_str(s, "kind", "Secret");
        put_str(s, "type", "Opaque");
        put_str(meta, "name", name);
        put_str(meta, "namespace", kube_ns(c->obj));
        if (rv)
                put_str(meta, "resourceVersion", rv);
        put_str(labels, "app.kubernetes.io/managed-by", "specmesh");
        put_str(labels, "specmesh.io/dataproduct", kube_name(c->obj));
        put_str(ann, A_ROTATED_AT, now);
        put_str(ann, A_ROTATION, rotation);
        put_str(ann, A_MECHANISM, scramcred_mech_name(mech));
        put_str(ann, A_STATE, "pending");
        json_object_object_add(meta, "labels", labels);
        json_object_object_add(meta, "annotations", ann);
        json_object_object_add(meta, "ownerReferences", owner_refs(c->obj));
        json_object_object_add(s, "metadata", meta);
        bad = put_data(data, "username", user) | put_data(data, "password", password) |
              put_data(data, "sasl.jaas.config", jaas) |
              put_data(data, "librdkafka.properties", rd);
        json_object_object_add(s, "data", data);
        if (jaas)
                OPENSSL_cleanse(jaas, strlen(jaas));
        if (rd)
                OPENSSL_cleanse(rd, strlen(rd));
        free(jaas);
        free(rd);
        if (bad) {
                json_object_put(s);
                return NULL;
        }
        return s;
}

/* Write the Secret (create, or replace at the version read): before the credential changes. */
static int write_secret(const struct dp_cred_ctx *c, const char *path, bool exists, json_object *s,
                        json_object **written, struct err *err)
{
        char coll[300];
        const char *body = json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN);
        int rc;

        snprintf(coll, sizeof(coll), "/api/v1/namespaces/%s/secrets", kube_ns(c->obj));
        rc = kube_request(c->kube, exists ? "PUT" : "POST", exists ? path : coll, NULL, body,
                          written, err);
        if (rc < 0)
                return err_prefix(err, "credentials: cannot write Secret %s/%s-credentials",
                                  kube_ns(c->obj), kube_name(c->obj));
        return 0;
}

/*
 * Kafka has the Secret's password now: say so on the Secret (PUT at the version just read or
 * written), so that a Secret still "pending" on a later reconcile means the alteration may
 * not have happened and is done again.
 */
static int mark_applied(const struct dp_cred_ctx *c, const char *path, json_object *secret,
                        struct err *err)
{
        json_object *ann = get(get(secret, "metadata", NULL), "annotations", NULL);

        if (!ann)
                return err_set(err, ERR_INTERNAL, "credentials: the Secret has no annotations");
        json_object_object_add(ann, A_STATE, json_object_new_string("applied"));
        return write_secret(c, path, true, secret, NULL, err);
}

/* A new password: Secret first, then Kafka; the old mechanism's credential goes last. */
static int renew(const struct dp_cred_ctx *c, const char *path, const struct want *w,
                 const struct have *h, const char *user, struct err *err)
{
        char *pw = scramcred_random_password(err);
        json_object *s, *written = NULL;
        int rc = -1;

        if (!pw)
                return -1;
        s = secret_json(c, user, w->mech, pw, annotation(c->obj, DP_ROTATE_ANNOTATION),
                        h->secret ? kube_meta_str(h->secret, "resourceVersion") : NULL);
        if (!s)
                err_nomem(err);
        else if (write_secret(c, path, h->secret != NULL, s, &written, err) == 0 &&
                 kafka_credential_set(c->kafka, user, w->mech, pw, err) == 0)
                rc = mark_applied(c, path, written, err);
        if (rc == 0 && h->mech && h->mech != w->mech)
                rc = kafka_credential_delete(c->kafka, user, h->mech, err);
        json_object_put(written);
        json_object_put(s);
        OPENSSL_cleanse(pw, strlen(pw));
        free(pw);
        return rc;
}

/* The user name of the product's principal, refused unless it may own a credential. */
static char *user_of(const struct dp_cred_ctx *c, struct err *err)
{
        if (!str_starts_with(c->principal, "User:") || strcmp(c->principal + 5, c->domain) != 0) {
                err_set(err, ERR_INVALID,
                        "spec.credentials: only for the default principal User:%s, not '%s'",
                        c->domain, c->principal);
                return NULL;
        }
        return scramcred_user_of(c->domain, kafka_config_get(c->kafka, "sasl.username"), err);
}

static json_object *summary(const struct dp_cred_ctx *c, const char *user, int mech)
{
        json_object *st = json_object_new_object(), *cr = json_object_new_object();
        char name[300];

        snprintf(name, sizeof(name), "%s-credentials", kube_name(c->obj));
        put_str(cr, "secretName", name);
        put_str(cr, "username", user);
        put_str(cr, "mechanism", scramcred_mech_name(mech));
        json_object_object_add(st, "credentials", cr);
        return st;
}

/* Decide and act; `what` receives what changed ("" for nothing). */
static int converge(const struct dp_cred_ctx *c, const struct want *w, const char *user, char *what,
                    size_t n, struct err *err)
{
        char path[600];
        struct have h;
        unsigned mechs = 0;
        const char *why;
        int rc;

        what[0] = 0;
        secret_path(c->obj, path, sizeof(path));
        rc = read_have(c, path, &h, err);
        if (rc == 0)
                rc = kafka_credential_mechs(c->kafka, user, &mechs, err);
        if (rc < 0)
                goto out;
        why = !h.secret           ? "created (no Secret)"
              : !h.password       ? "created (the Secret had no password)"
              : h.mech != w->mech ? "created (mechanism changed)"
                                  : rotation_due(c, w, &h);
        if (why) {
                rc = renew(c, path, w, &h, user, err);
                snprintf(what, n, "%s", why);
        } else if (!(mechs & (1u << w->mech))) {
                /* drift: the credential was deleted in Kafka; the Secret's password is still good
                 */
                rc = kafka_credential_set(c->kafka, user, w->mech, h.password, err);
                snprintf(what, n, "restored in Kafka from the Secret (it had been deleted)");
        }
out:
        have_release(&h);
        return rc;
}

int dp_credentials_reconcile(const struct dp_cred_ctx *c, json_object **status, char *event,
                             size_t n, struct err *err)
{
        struct want w;
        char *user = NULL;
        int rc = read_want(c->obj, &w, err);

        *status = NULL;
        event[0] = 0;
        if (rc <= 0)
                return rc;
        user = user_of(c, err);
        rc = user ? converge(c, &w, user, event, n, err) : -1;
        if (rc == 0)
                *status = summary(c, user, w.mech);
        if (rc == 0 && event[0])
                log_info(c->log, "credential of User:%s: %s; Secret %s-credentials", user, event,
                         kube_name(c->obj));
        free(user);
        return rc;
}

int dp_credentials_delete(const struct dp_cred_ctx *c, struct err *err)
{
        char path[600];
        struct want w;
        struct have h;
        char *user;
        int rc = read_want(c->obj, &w, err);

        if (rc <= 0)
                return rc;
        user = user_of(c, err);
        if (!user)
                return -1;
        secret_path(c->obj, path, sizeof(path));
        rc = read_have(c, path, &h, err);
        if (rc < 0 && err->kind == ERR_CONFLICT) { /* someone else's Secret: leave it be */
                json_object_put(h.secret);
                h.secret = NULL;
                rc = 0;
        }
        if (rc == 0)
                rc = kafka_credential_delete(c->kafka, user, h.mech ? h.mech : w.mech, err);
        if (rc == 0 && h.secret &&
            kube_request(c->kube, "DELETE", path, NULL, NULL, NULL, err) < 0 &&
            err->kind != ERR_NOT_FOUND)
                rc = err_prefix(err, "credentials: cannot delete Secret %s/%s-credentials",
                                kube_ns(c->obj), kube_name(c->obj));
        else if (rc == 0)
                err_clear(err);
        have_release(&h);
        free(user);
        return rc;
}
