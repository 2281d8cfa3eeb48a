#include "pkg/kwire/quota.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kwire/kconn.h"
#include "pkg/kwire/kproto.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

#define MATCH_EXACT 0
#define MAX_ENTRIES 4096

void quota_encode_describe(struct buf *b, int16_t version, int32_t correlation, const char *user)
{
        bool flex = version >= 1;

        if (flex)
                kw_request_flex(b, KAFKA_API_DESCRIBE_CLIENT_QUOTAS, version, correlation,
                                KCONN_CLIENT_ID);
        else
                kw_request(b, KAFKA_API_DESCRIBE_CLIENT_QUOTAS, version, correlation,
                           KCONN_CLIENT_ID);
        kw_array(b, flex, 1); /* one component: user = <user> */
        kw_string(b, flex, "user");
        kw_i8(b, MATCH_EXACT);
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

/* Whether an entity is exactly user=<user>; reads it either way. */
static bool read_entity(struct kreader *r, bool flex, const char *user)
{
        int32_t n = kr_array(r, flex, 16);
        bool match = n == 1;

        for (int32_t i = 0; i < n && !r->bad; i++) {
                char *type = kr_string(r, flex), *name = kr_string(r, flex);
                kr_end(r, flex);
                match = match && str_eq(type, "user") && str_eq(name, user);
                free(type);
                free(name);
        }
        return match && !r->bad;
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

/* The entries of a successful describe; *out stays NULL when none matches. */
static int read_entries(struct kreader *r, bool flex, const char *user, struct quota **out,
                        struct err *err)
{
        int32_t n = kr_array(r, flex, MAX_ENTRIES);

        for (int32_t i = 0; i < n && !r->bad; i++) {
                bool mine = read_entity(r, flex, user);
                if (mine && !*out)
                        *out = quota_new(user);
                if (mine && !*out)
                        return err_nomem(err);
                read_values(r, flex, mine ? *out : NULL);
                kr_end(r, flex);
        }
        kr_end(r, flex);
        return 0;
}

int quota_decode_describe(struct kreader *r, int16_t version, const char *user, struct quota **out,
                          struct err *err)
{
        bool flex = version >= 1;
        char what[300], *msg;
        int16_t code;
        int rc = -1;

        *out = NULL;
        snprintf(what, sizeof(what), "describe client quotas of user=%s", user);
        kr_end(r, flex); /* response header v1 */
        kr_i32(r);       /* throttle */
        code = kr_i16(r);
        msg = kr_string(r, flex);
        if (!r->bad && code != 0)
                broker_error(err, what, code, msg);
        else if (read_entries(r, flex, user, out, err) == 0 && r->bad)
                err_set(err, ERR_INTERNAL, "%s: malformed response", what);
        else if (!r->bad)
                rc = 0;
        if (rc < 0) {
                quota_free(*out);
                *out = NULL;
        }
        free(msg);
        return rc;
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

int kafka_quota_describe(struct kconn *c, const char *user, struct quota **out, struct err *err)
{
        int16_t v = pick(c, KAFKA_API_DESCRIBE_CLIENT_QUOTAS, "DescribeClientQuotas", err);
        struct buf req, body;
        struct kreader r;
        int rc = -1;

        *out = NULL;
        if (v < 0)
                return -1;
        buf_init(&req, (size_t)64 * 1024);
        buf_init(&body, KCONN_FRAME_MAX);
        quota_encode_describe(&req, v, kconn_next_id(c), user);
        if (kconn_call(c, &req, &body, err) == 0) {
                kr_init(&r, body.data, body.len);
                rc = quota_decode_describe(&r, v, user, out, err);
                if (rc < 0)
                        err_prefix(err, "kafka %s", c->peer);
        }
        buf_release(&req);
        buf_release(&body);
        return rc;
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
