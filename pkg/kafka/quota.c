#include "pkg/kafka/quota.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kafka/kconn.h"
#include "pkg/kafka/kproto.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

#define MATCH_EXACT 0

void quota_encode_describe(struct buf *b, int32_t correlation, const char *user)
{
        kw_request(b, KAFKA_API_DESCRIBE_CLIENT_QUOTAS, 0, correlation, KCONN_CLIENT_ID);
        kw_i32(b, 1); /* one component: user = <user> */
        kw_str(b, "user");
        kw_i8(b, MATCH_EXACT);
        kw_str(b, user);
        kw_i8(b, 1); /* strict: only entities with exactly these components */
        kw_finish(b);
}

static bool has(const struct quota *q, int k)
{
        return q && (q->set & (1u << k));
}

void quota_encode_alter(struct buf *b, int32_t correlation, const struct quota *want,
                        const struct quota *have)
{
        int32_t ops = 0;

        for (int k = 0; k < QUOTA_KEY_COUNT; k++)
                ops += has(want, k) || has(have, k);
        kw_request(b, KAFKA_API_ALTER_CLIENT_QUOTAS, 0, correlation, KCONN_CLIENT_ID);
        kw_i32(b, 1); /* one entry */
        kw_i32(b, 1); /* entity: user = <user> */
        kw_str(b, "user");
        kw_str(b, want ? want->user : have->user);
        kw_i32(b, ops);
        for (int k = 0; k < QUOTA_KEY_COUNT; k++) {
                if (!has(want, k) && !has(have, k))
                        continue;
                kw_str(b, quota_key_str(k));
                kw_f64(b, has(want, k) ? want->values[k] : 0.0);
                kw_i8(b, !has(want, k)); /* remove what only the old state had */
        }
        kw_i8(b, 0); /* validate only: no */
        kw_finish(b);
}

/* One entry's values into `q`. */
static void decode_values(struct kreader *r, struct quota *q)
{
        int32_t n = kr_count(r, 64);

        for (int32_t i = 0; i < n && !r->bad; i++) {
                char *key = kr_str(r);
                double v = kr_f64(r);
                for (int k = 0; key && k < QUOTA_KEY_COUNT; k++) {
                        if (strcmp(key, quota_key_str(k)) == 0) {
                                q->values[k] = v;
                                q->set |= 1u << k;
                        }
                }
                free(key);
        }
}

static void skip_entity(struct kreader *r)
{
        int32_t n = kr_count(r, 16);

        for (int32_t i = 0; i < n && !r->bad; i++) {
                free(kr_str(r));
                free(kr_str(r));
        }
}

int quota_decode_describe(const void *body, size_t len, const char *user, struct quota **out,
                          struct err *err)
{
        struct kreader r;
        char *msg;
        int16_t code;
        int32_t n;

        *out = NULL;
        kr_init(&r, body, len);
        kr_i32(&r); /* throttle */
        code = kr_i16(&r);
        msg = kr_str(&r);
        if (!r.bad && code != 0) {
                err_set(err, code == 31 ? ERR_AUTH : ERR_TERMINAL,
                        "describe client quotas: %s (error %d)", msg ? msg : "refused", code);
                free(msg);
                return -1;
        }
        free(msg);
        n = kr_count(&r, 1024);
        for (int32_t i = 0; i < n && !r.bad; i++) {
                skip_entity(&r);
                if (!*out)
                        *out = quota_new(user);
                if (!*out)
                        return err_nomem(err);
                decode_values(&r, *out);
        }
        if (r.bad) {
                quota_free(*out);
                *out = NULL;
                return err_set(err, ERR_INTERNAL, "describe client quotas: malformed response");
        }
        return 0;
}

int quota_decode_alter(const void *body, size_t len, struct err *err)
{
        struct kreader r;
        int32_t n;
        int rc = 0;

        kr_init(&r, body, len);
        kr_i32(&r); /* throttle */
        n = kr_count(&r, 1024);
        for (int32_t i = 0; i < n && !r.bad && rc == 0; i++) {
                int16_t code = kr_i16(&r);
                char *msg = kr_str(&r);
                if (!r.bad && code != 0)
                        rc = err_set(err, code == 31 ? ERR_AUTH : ERR_TERMINAL,
                                     "alter client quotas: %s (error %d)", msg ? msg : "refused",
                                     code);
                free(msg);
                skip_entity(&r);
        }
        if (rc == 0 && r.bad)
                return err_set(err, ERR_INTERNAL, "alter client quotas: malformed response");
        return rc;
}

int kafka_quota_describe(struct kconn *c, const char *user, struct quota **out, struct err *err)
{
        struct buf req, body;
        int rc = -1;

        buf_init(&req, 64 * 1024);
        buf_init(&body, 1u << 20);
        quota_encode_describe(&req, kconn_next_id(c), user);
        if (kconn_call(c, &req, &body, err) == 0)
                rc = quota_decode_describe(body.data, body.len, user, out, err);
        buf_release(&req);
        buf_release(&body);
        return rc;
}

int kafka_quota_alter(struct kconn *c, const struct quota *want, const struct quota *have,
                      struct err *err)
{
        struct buf req, body;
        int rc = -1;

        if (!want && !have)
                return 0;
        buf_init(&req, 64 * 1024);
        buf_init(&body, 1u << 20);
        quota_encode_alter(&req, kconn_next_id(c), want, have);
        if (kconn_call(c, &req, &body, err) == 0)
                rc = quota_decode_alter(body.data, body.len, err);
        buf_release(&req);
        buf_release(&body);
        return rc;
}
