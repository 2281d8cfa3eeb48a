#include "pkg/kwire/acls.h"

#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/kwire/kconn.h"
#include "pkg/kwire/kproto.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/base/banned.h"

#define ANY      1 /* resource type, pattern type, operation and permission "any" */
#define MAX_ACLS 1000000

void acls_encode_describe_all(struct buf *b, int32_t correlation)
{
        kw_request(b, KAFKA_API_DESCRIBE_ACLS, 1, correlation, KCONN_CLIENT_ID);
        kw_i8(b, ANY);
        kw_str(b, NULL);
        kw_i8(b, ANY);
        kw_str(b, NULL);
        kw_str(b, NULL);
        kw_i8(b, ANY);
        kw_i8(b, ANY);
        kw_finish(b);
}

/* The fields of one binding, in the order CreateAcls and DeleteAcls v1 both use. */
static void put_binding(struct buf *b, const struct acl *a)
{
        kw_i8(b, (int8_t)a->resource);
        kw_str(b, a->name);
        kw_i8(b, (int8_t)a->pattern);
        kw_str(b, a->principal);
        kw_str(b, a->host);
        kw_i8(b, (int8_t)a->op);
        kw_i8(b, (int8_t)a->perm);
}

void acls_encode_create(struct buf *b, int32_t correlation, const struct acl *const *acls, size_t n)
{
        kw_request(b, KAFKA_API_CREATE_ACLS, 1, correlation, KCONN_CLIENT_ID);
        kw_i32(b, (int32_t)n);
        for (size_t i = 0; i < n; i++)
                put_binding(b, acls[i]);
        kw_finish(b);
}

void acls_encode_delete(struct buf *b, int32_t correlation, const struct acl *const *acls, size_t n)
{
        kw_request(b, KAFKA_API_DELETE_ACLS, 1, correlation, KCONN_CLIENT_ID);
        kw_i32(b, (int32_t)n);
        for (size_t i = 0; i < n; i++)
                put_binding(b, acls[i]); /* a filter with every field set matches exactly */
        kw_finish(b);
}

static struct acl *read_acl(struct kreader *r, int8_t rtype, const char *name, int8_t pattern)
{
        char *principal = kr_str(r), *host = kr_str(r);
        int8_t op = kr_i8(r), perm = kr_i8(r);
        struct acl *a = NULL;

        if (!r->bad && principal && host) {
                a = acl_new((enum acl_resource)rtype, name, (enum acl_pattern)pattern, principal,
                            (enum acl_op)op);
                if (a) {
                        a->perm = (enum acl_perm)perm;
                        free(a->host);
                        a->host = host;
                        host = NULL;
                }
        }
        free(principal);
        free(host);
        return a;
}

int acls_decode_describe(const void *body, size_t len, struct vec *out, struct err *err)
{
        struct kreader r;
        int16_t code;
        char *msg;
        int32_t nres;

        kr_init(&r, body, len);
        kr_i32(&r);
        code = kr_i16(&r);
        msg = kr_str(&r);
        if (!r.bad && code != 0) {
                err_set(err, code == 31 ? ERR_AUTH : ERR_TERMINAL, "describe ACLs: %s (error %d)",
                        msg ? msg : "refused", code);
                free(msg);
                return -1;
        }
        free(msg);
        nres = kr_count(&r, MAX_ACLS);
        for (int32_t i = 0; i < nres && !r.bad; i++) {
                int8_t rtype = kr_i8(&r);
                char *name = kr_str(&r);
                int8_t pattern = kr_i8(&r);
                int32_t nacl = kr_count(&r, MAX_ACLS);
                for (int32_t j = 0; j < nacl && !r.bad && name; j++) {
                        struct acl *a = read_acl(&r, rtype, name, pattern);
                        if (a && vec_push(out, a) < 0)
                                acl_free(a);
                }
                free(name);
        }
        if (r.bad)
                return err_set(err, ERR_INTERNAL, "describe ACLs: malformed response");
        return 0;
}

int kafka_acls_describe(struct kconn *c, struct vec *out, struct err *err)
{
        struct buf req, body;
        int rc = -1;

        buf_init(&req, 4096);
        buf_init(&body, 256u << 20);
        acls_encode_describe_all(&req, kconn_next_id(c));
        if (kconn_call(c, &req, &body, err) == 0)
                rc = acls_decode_describe(body.data, body.len, out, err);
        buf_release(&req);
        buf_release(&body);
        return rc;
}

static void result(struct plan_op *op, int16_t code, const char *msg)
{
        if (code == 0) {
                op->state = OP_DONE;
                return;
        }
        op->state = OP_FAILED;
        free(op->error);
        op->error = str_printf(
            "acl %s %s %s on %s %s %s: %s (error %d)", acl_perm_str(op->acl->perm),
            op->acl->principal, acl_op_str(op->acl->op), acl_resource_str(op->acl->resource),
            acl_pattern_str(op->acl->pattern), op->acl->name, msg ? msg : "refused", code);
}

/* Send the ops' bindings with `encode`; read one (code, message) per op, plus for deletes the
 * matching bindings, which we skip. */
static int call(struct kconn *c, struct plan_op **ops, size_t n, bool del, struct err *err)
{
        const struct acl **acls = calloc(n ? n : 1, sizeof(*acls));
        struct buf req, body;
        struct kreader r;
        int rc = -1;

        if (!acls)
                return err_nomem(err);
        for (size_t i = 0; i < n; i++)
                acls[i] = ops[i]->acl;
        buf_init(&req, 64u << 20);
        buf_init(&body, 64u << 20);
        if (del)
                acls_encode_delete(&req, kconn_next_id(c), acls, n);
        else
                acls_encode_create(&req, kconn_next_id(c), acls, n);
        if (kconn_call(c, &req, &body, err) < 0)
                goto out;
        kr_init(&r, body.data, body.len);
        kr_i32(&r);
        if (kr_count(&r, (int32_t)n) != (int32_t)n) {
                err_set(err, ERR_INTERNAL, "%s ACLs: malformed response",
                        del ? "delete" : "create");
                goto out;
        }
        for (size_t i = 0; i < n && !r.bad; i++) {
                int16_t code = kr_i16(&r);
                char *msg = kr_str(&r);
                result(ops[i], code, msg);
                free(msg);
                for (int32_t m = del ? kr_count(&r, MAX_ACLS) : 0; m > 0 && !r.bad; m--) {
                        kr_i16(&r);
                        free(kr_str(&r));
                        kr_i8(&r);
                        free(kr_str(&r));
                        kr_i8(&r);
                        free(kr_str(&r));
                        free(kr_str(&r));
                        kr_i8(&r);
                        kr_i8(&r);
                }
        }
        rc = r.bad ? err_set(err, ERR_INTERNAL, "ACLs: malformed response") : 0;
out:
        free(acls);
        buf_release(&req);
        buf_release(&body);
        return rc;
}

/* At most ACLS_PER_REQUEST bindings a request: a KRaft controller refuses a whole CreateAcls
 * that would write more than 10,000 records (POLICY_VIOLATION "Unable to perform excessively
 * large batch operation.") and a DeleteAcls that would remove more than 10,000 (INVALID_REQUEST).
 * A failed request stops the rest: the ops of the requests before it keep their results. */
static int chunked(struct kconn *c, struct plan_op **ops, size_t n, bool del, struct err *err)
{
        size_t per = del ? ACLS_PER_DELETE_REQUEST : ACLS_PER_REQUEST;

        for (size_t off = 0; off < n; off += per) {
                size_t k = n - off < per ? n - off : per;
                if (call(c, ops + off, k, del, err) < 0)
                        return -1;
        }
        return 0;
}

int kafka_acls_create(struct kconn *c, struct plan_op **ops, size_t n, struct err *err)
{
        return chunked(c, ops, n, false, err);
}

int kafka_acls_delete(struct kconn *c, struct plan_op **ops, size_t n, struct err *err)
{
        return chunked(c, ops, n, true, err);
}
