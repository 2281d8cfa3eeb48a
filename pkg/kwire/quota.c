#include "pkg/kwire/quota.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/kwire/kconn.h"
#include "pkg/kwire/kproto.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

#define MATCH_EXACT     0
#define MATCH_SPECIFIED 2 /* any named entity (not the default one) */
#define MAX_ENTRIES     (1 << 20)

void quota_encode_describe(struct buf *b, int16_t version, int32_t correlation, const char *user)
{
        bool flex = version >= 1;

        if (flex)
                kw_request_flex(b, KAFKA_API_DESCRIBE_CLIENT_QUOTAS, version, correlation,
                                KCONN_CLIENT_ID);
        else
                kw_request(b, KAFKA_API_DESCRIBE_CLIENT_QUOTAS, version, correlation,
                           KCONN_CLIENT_ID);
        kw_array(b, flex, 1); /* one component: user = <user>, or any named user */
        kw_string(b, flex, "user");
        kw_i8(b, user ? MATCH_EXACT : MATCH_SPECIFIED);
        kw_string(b, flex, user);
        kw_end(b, flex);
        kw_i8(b, 1); /* strict: only entities with exactly these components */
        kw_end(b, flex);
        kw_finish(b);
}

static bool has(const struct quota *q, int k)
{
        return q && (q->set & (1u << k));
}

/* One entity, user=<user>, as both requests and responses spell it. */
static void put_entity(struct buf *b, bool flex, const char *user)
{
        kw_array(b, flex, 1);
        kw_string(b, flex, "user");
        kw_string(b, flex, user);
        kw_end(b, flex);
}

void quota_encode_alter(struct buf *b, int16_t version, int32_t correlation,
                        const struct quota *want, const struct quota *have)
{
        bool flex = version >= 1;
        size_t ops = 0;

        for (int k = 0; k < QUOTA_KEY_COUNT; k++)
                ops += has(want, k) || has(have, k);
        if (flex)
                kw_request_flex(b, KAFKA_API_ALTER_CLIENT_QUOTAS, version, correlation,
                                KCONN_CLIENT_ID);
        else
                kw_request(b, KAFKA_API_ALTER_CLIENT_QUOTAS, version, correlation, KCONN_CLIENT_ID);
        kw_array(b, flex, 1); /* one entry */
        put_entity(b, flex, want ? want->user : have->user);
        kw_array(b, flex, ops);
        for (int k = 0; k < QUOTA_KEY_COUNT; k++) {
                if (!has(want, k) && !has(have, k))
                        continue;
                kw_string(b, flex, quota_key_str(k));
                kw_f64(b, has(want, k) ? want->values[k] : 0.0);
                kw_i8(b, has(want, k) ? 0 : 1); /* remove what only the old state had */
                kw_end(b, flex);
        }
        kw_end(b, flex); /* entry */
        kw_i8(b, 0);     /* validate only: no */
        kw_end(b, flex);
        kw_finish(b);
}

/* The name of an entity that is exactly user=<name> (caller frees), else NULL; reads it
 * either way. */
static char *read_entity(struct kreader *r, bool flex)
{
        int32_t n = kr_array(r, flex, 16);
        char *user = NULL;

        for (int32_t i = 0; i < n && !r->bad; i++) {
                char *type = kr_string(r, flex), *name = kr_string(r, flex);
                kr_end(r, flex);
                if (n == 1 && str_eq(type, "user") && name) {
                        user = name;
                        name = NULL;
                }
                free(type);
                free(name);
        }
        if (r->bad) {
                free(user);
                user = NULL;
        }
        return user;
}

/* One entry's values into `q` (NULL: read and drop them). Unknown keys are ignored. */
static void read_values(struct kreader *r, bool flex, struct quota *q)
{
        int32_t n = kr_array(r, flex, 64);

        for (int32_t i = 0; i < n && !r->bad; i++) {
                char *key = kr_string(r, flex);
                double v = kr_f64(r);
                kr_end(r, flex);
                for (int k = 0; q && key && k < QUOTA_KEY_COUNT; k++) {
                        if (strcmp(key, quota_key_str(k)) == 0) {
                                q->values[k] = v;
                                q->set |= 1u << k;
                        }
                }
                free(key);
        }
}

/* Turn a broker error into `err`: its name, its message, and the kind its code means. */
static int broker_error(struct err *err, const char *what, int16_t code, const char *msg)
{
        if (msg && *msg)
                return err_set(err, kafka_error_kind(code), "%s: %s: %s (error %d)", what,
                               kafka_error_name(code), msg, code);
        return err_set(err, kafka_error_kind(code), "%s: %s (error %d)", what,
                       kafka_error_name(code), code);
}

/*
 * The entries of a successful describe: user=<user>'s into *one (stays NULL when none
 * matches), or, with `user` NULL, every user's appended to `all`.
 */
static int read_entries(struct kreader *r, bool flex, const char *user, struct quota **one,
                        struct vec *all, struct err *err)
{
        int32_t n = kr_array(r, flex, MAX_ENTRIES);

        for (int32_t i = 0; i < n && !r->bad; i++) {
                char *name = read_entity(r, flex);
                struct quota *q = NULL;
                if (name && (user ? str_eq(name, user) && !*one : true)) {
                        q = quota_new(name);
                        if (!q || (all ? vec_push(all, q) : (*one = q, 0)) < 0) {
                                quota_free(q);
                                free(name);
                                return err_nomem(err);
                        }
                }
                free(name);
                read_values(r, flex, q);
                kr_end(r, flex);
        }
        kr_end(r, flex);
        return 0;
}

/* The common part of both decodes: header, error code, entries. */
static int decode_describe(struct kreader *r, int16_t version, const char *user, struct quota **one,
                           struct vec *all, struct err *err)
{
        bool flex = version >= 1;
        char what[300], *msg;
        int16_t code;
        int rc = -1;

        snprintf(what, sizeof(what), "describe client quotas of %s%s", user ? "user=" : "",
                 user ? user : "every user");
        kr_end(r, flex); /* response header v1 */
        kr_i32(r);       /* throttle */
        code = kr_i16(r);
        msg = kr_string(r, flex);
        if (!r->bad && code != 0)
                broker_error(err, what, code, msg);
        else if (read_entries(r, flex, user, one, all, err) == 0 && r->bad)
                err_set(err, ERR_INTERNAL, "%s: malformed response", what);
        else if (!r->bad)
                rc = 0;
        free(msg);
        return rc;
}

int quota_decode_describe(struct kreader *r, int16_t version, const char *user, struct quota **out,
                          struct err *err)
{
        *out = NULL;
        if (decode_describe(r, version, user, out, NULL, err) == 0)
                return 0;
        quota_free(*out);
        *out = NULL;
        return -1;
}

int quota_decode_describe_all(struct kreader *r, int16_t version, struct vec *out, struct err *err)
{
        size_t before = out->len;

        if (decode_describe(r, version, NULL, NULL, out, err) == 0)
                return 0;
        while (out->len > before)
                quota_free(out->items[--out->len]);
        return -1;
}

int quota_decode_alter(struct kreader *r, int16_t version, struct err *err)
{
        bool flex = version >= 1;
        int32_t n;
        int rc = 0;

        kr_end(r, flex); /* response header v1 */
        kr_i32(r);       /* throttle */
        n = kr_array(r, flex, MAX_ENTRIES);
        for (int32_t i = 0; i < n && !r->bad && rc == 0; i++) {
                int16_t code = kr_i16(r);
                char *msg = kr_string(r, flex), *user = NULL;
                int32_t m = kr_array(r, flex, 16);
                for (int32_t j = 0; j < m && !r->bad; j++) {
                        free(kr_string(r, flex)); /* entity type: we only send "user" */
                        free(user);
                        user = kr_string(r, flex);
                        kr_end(r, flex);
                }
                kr_end(r, flex);
                if (!r->bad && code != 0) {
                        char what[300];
                        snprintf(what, sizeof(what), "alter client quotas of user=%s",
                                 user ? user : "<default>");
                        rc = broker_error(err, what, code, msg);
                }
                free(msg);
                free(user);
        }
        if (rc == 0)
                kr_end(r, flex);
        if (rc == 0 && r->bad)
                return err_set(err, ERR_INTERNAL, "alter client quotas: malformed response");
        return rc;
}

/* The version of `api` to speak: the highest of v0-v1 the broker has, or -1 with `err` set. */
static int16_t pick(struct kconn *c, int16_t api, const char *name, struct err *err)
{
        int16_t v = kconn_version(c, api, 0, 1);

        if (v < 0)
                err_set(err, ERR_TERMINAL, "kafka %s: the broker does not support %s v0-v1",
                        c->peer, name);
        return v;
}

/* One DescribeClientQuotas for `user` (NULL: every user) decoded into *one or `all`. */
static int describe(struct kconn *c, const char *user, struct quota **one, struct vec *all,
                    struct err *err)
{
        int16_t v = pick(c, KAFKA_API_DESCRIBE_CLIENT_QUOTAS, "DescribeClientQuotas", err);
        struct buf req, body;
        struct kreader r;
        int rc = -1;

        if (v < 0)
                return -1;
        buf_init(&req, (size_t)64 * 1024);
        buf_init(&body, KCONN_FRAME_MAX);
        quota_encode_describe(&req, v, kconn_next_id(c), user);
        if (kconn_call(c, &req, &body, err) == 0) {
                kr_init(&r, body.data, body.len);
                rc = all ? quota_decode_describe_all(&r, v, all, err)
                         : quota_decode_describe(&r, v, user, one, err);
                if (rc < 0)
                        err_prefix(err, "kafka %s", c->peer);
        }
        buf_release(&req);
        buf_release(&body);
        return rc;
}

int kafka_quota_describe(struct kconn *c, const char *user, struct quota **out, struct err *err)
{
        *out = NULL;
        return describe(c, user, out, NULL, err);
}

int kafka_quota_describe_all(struct kconn *c, struct vec *out, struct err *err)
{
        return describe(c, NULL, NULL, out, err);
}

int kafka_quota_alter(struct kconn *c, const struct quota *want, const struct quota *have,
                      struct err *err)
{
        struct buf req, body;
        struct kreader r;
        int16_t v;
        int rc = -1;

        if ((!want || !want->set) && (!have || !have->set))
                return 0; /* nothing to set, nothing to remove */
        v = pick(c, KAFKA_API_ALTER_CLIENT_QUOTAS, "AlterClientQuotas", err);
        if (v < 0)
                return -1;
        buf_init(&req, (size_t)64 * 1024);
        buf_init(&body, KCONN_FRAME_MAX);
        quota_encode_alter(&req, v, kconn_next_id(c), want, have);
        if (kconn_call(c, &req, &body, err) == 0) {
                kr_init(&r, body.data, body.len);
                rc = quota_decode_alter(&r, v, err);
                if (rc < 0)
                        err_prefix(err, "kafka %s", c->peer);
        }
        buf_release(&req);
        buf_release(&body);
        return rc;
}
