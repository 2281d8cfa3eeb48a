/* registry_apply(): carry out the subject ops of a plan. */
#include "pkg/registry/registry.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/registry/ccompat.h"
#include "pkg/registry/http.h"
#include "pkg/registry/refs.h"
#include "pkg/base/banned.h"

/* One subject op being carried out: the names it needs, computed once. */
struct job {
        struct registry *r;
        struct plan_op *op;
        const char *name; /* the subject's name, borrowed from the op */
        char *enc;        /* name, URL-encoded */
        bool dry_run;
        struct vec refs; /* struct schema_ref *: want's references, versions pinned */
};

/* The body registering or checking `s`, with its pinned references. */
static char *schema_body(const struct job *j, const struct subject *s)
{
        return ccompat_schema_body_refs(s->type, s->schema, &j->refs);
}

/*
 * Send a request whose reply is not needed (`path` NULL: out of memory). A 404 counts as
 * success when `ok_404` is set: the thing is already gone.
 */
static int call(struct job *j, const char *method, const char *path, const char *body, bool ok_404,
                struct err *err)
{
        struct reply rp = {0};
        int rc = -1;

        if (!path) {
                err_nomem(err);
                goto out;
        }
        rc = registry_call(j->r, method, path, body, &rp, err);
        if (rc < 0 && ok_404 && rp.status == 404) {
                err_clear(err);
                rc = 0;
        }
out:
        reply_release(&rp);
        return rc;
}

/* PUT /config/<s> with `level`; DELETE /config/<s> (back to the global level) when NULL. */
static int set_compatibility(struct job *j, const char *level, struct reply *rp, struct err *err)
{
        char *path = str_printf("/config/%s", j->enc);
        char *body = level ? ccompat_config_body(level) : NULL;
        int rc = -1;

        if (!path || (level && !body))
                err_nomem(err);
        else if (level)
                rc = registry_call(j->r, "PUT", path, body, rp, err);
        else
                rc = call(j, "DELETE", path, NULL, true, err);
        free(body);
        free(path);
        return rc < 0 ? err_prefix(err, "set compatibility") : 0;
}

static int register_schema(struct job *j, const struct subject *s, struct err *err)
{
        char *path = str_printf("/subjects/%s/versions", j->enc);
        char *body = schema_body(j, s);
        int rc = -1;

        if (!body)
                err_nomem(err);
        else
                rc = call(j, "POST", path, body, false, err);
        free(body);
        free(path);
        return rc < 0 ? err_prefix(err, "register schema") : 0;
}

/* Fail with the refusal of an incompatible schema. Always returns -1. */
static int refuse(int version, const struct vec *reasons, struct err *err)
{
        char *msg = ccompat_incompatible_msg(version, reasons);

        if (!msg)
                return err_nomem(err);
        err_set(err, ERR_INVALID, "%s", msg);
        free(msg);
        return -1;
}

/*
 * Ask whether `s` may follow the latest version under the subject's compatibility level.
 * Returns 0 when it may, or when the subject has no versions to be incompatible with; on an
 * incompatible schema fails with ERR_INVALID and the registry's reasons, setting *no_reasons
 * when the registry gave none (Apicurio ignores verbose=true).
 */
static int check_schema(struct job *j, const struct subject *s, int version, bool *no_reasons,
                        struct err *err)
{
        char *path = str_printf("/compatibility/subjects/%s/versions/latest?verbose=true", j->enc);
        char *body = schema_body(j, s);
        struct reply rp = {0};
        struct vec reasons = VEC_INIT;
        bool ok = false;
        int rc = -1;

        if (!path || !body) {
                err_nomem(err);
                goto out;
        }
        if (registry_call(j->r, "POST", path, body, &rp, err) < 0) {
                /* 404: nothing to be incompatible with; 422 on a schema with references:
                 * Apicurio's check ignores references and cannot parse it, its register can
                 * (the referenced subjects carry their users' strictest level, docs/schemas.md) */
                rc = rp.status == 404 || (rp.status == 422 && s->refs.len)
                         ? 0
                         : err_prefix(err, "compatibility check");
                goto out;
        }
        if (ccompat_parse_check(rp.json, &ok, &reasons, err) < 0)
                goto out;
        *no_reasons = reasons.len == 0;
        rc = ok ? 0 : refuse(version, &reasons, err);
out:
        if (rc == 0)
                err_clear(err);
        vec_release(&reasons, free);
        reply_release(&rp);
        free(body);
        free(path);
        return rc;
}

/*
 * Register a schema the check refused without reasons: the registry enforces the same rule on
 * register and then says why (409), which is the refusal reported. Returns 0 only when the
 * registry accepted the schema after all (its register decides).
 */
static int register_for_reasons(struct job *j, const struct subject *s, int version,
                                struct err *err)
{
        char *path = str_printf("/subjects/%s/versions", j->enc);
        char *body = schema_body(j, s);
        struct reply rp = {0};
        struct vec reasons = VEC_INIT;
        char *reason = NULL;
        int rc = -1;

        if (!path || !body) {
                err_nomem(err);
                goto out;
        }
        rc = registry_call(j->r, "POST", path, body, &rp, err);
        if (rc == 0 || rp.status != 409) {
                rc = rc == 0 ? 0 : err_prefix(err, "register schema");
                goto out;
        }
        reason = ccompat_refusal_reason(rp.json);
        if (reason && vec_push(&reasons, reason) == 0)
                reason = NULL; /* owned by reasons now */
        rc = refuse(version, &reasons, err);
out:
        free(reason);
        vec_release(&reasons, free);
        reply_release(&rp);
        free(body);
        free(path);
        return rc;
}

static int do_create(struct job *j, struct err *err)
{
        const struct subject *s = j->op->want_subject;
        struct reply rp = {0};
        bool later = false;
        int rc = -1;

        /* compatibility first, so that even the first version is registered under it */
        if (s->compatibility && set_compatibility(j, s->compatibility, &rp, err) < 0) {
                /* a registry may keep no config for a subject that does not exist yet */
                if (rp.status != 404)
                        goto out;
                err_clear(err);
                later = true;
        }
        if (register_schema(j, s, err) < 0)
                goto out;
        if (later && set_compatibility(j, s->compatibility, &rp, err) < 0)
                goto out;
        rc = 0;
out:
        reply_release(&rp);
        return rc;
}

/* A new schema: checked first, registered only when compatible. */
static int update_schema(struct job *j, const struct subject *s, struct err *err)
{
        int version = j->op->have_subject ? j->op->have_subject->version : 0;
        bool no_reasons = false;

        if (check_schema(j, s, version, &no_reasons, err) == 0)
                return j->dry_run ? 0 : register_schema(j, s, err);
        if (j->dry_run || !no_reasons || err->kind != ERR_INVALID)
                return -1;
        return register_for_reasons(j, s, version, err);
}

static int do_update(struct job *j, struct err *err)
{
        const struct plan_op *op = j->op;
        const struct subject *s = op->want_subject;
        struct reply rp = {0};
        int rc = -1;

        /* the level first: the new schema is checked under the level the spec asks for */
        if (op->set_compatibility && !j->dry_run &&
            set_compatibility(j, s->compatibility, &rp, err) < 0)
                goto out;
        if (op->new_schema && update_schema(j, s, err) < 0)
                goto out;
        rc = 0;
out:
        reply_release(&rp);
        return rc;
}

static int do_delete(struct job *j, struct err *err)
{
        char *soft = str_printf("/subjects/%s", j->enc);
        char *hard = str_printf("/subjects/%s?permanent=true", j->enc);
        int rc = -1;

        /* Confluent deletes permanently only what was soft-deleted; a 404 means already gone */
        if (call(j, "DELETE", soft, NULL, true, err) == 0 &&
            call(j, "DELETE", hard, NULL, true, err) == 0)
                rc = 0;
        free(hard);
        free(soft);
        return rc < 0 ? err_prefix(err, "delete") : 0;
}

static bool is_subject_op(const struct plan_op *op)
{
        if (op->resource != PLAN_SUBJECT || op->state != OP_PENDING)
                return false;
        if (op->action == PLAN_CREATE || op->action == PLAN_UPDATE)
                return op->want_subject != NULL;
        return op->action == PLAN_DELETE && op->have_subject != NULL;
}

/* schema_ref_free for vec_release, which calls through void (*)(void *) */
static void ref_free_item(void *x)
{
        schema_ref_free(x);
}

/* Carry out one subject op and record its outcome in the op. Returns 0 or -1 (err set). */
static int run_op(struct registry *r, const struct plan *p, struct plan_op *op, bool dry_run,
                  struct err *err)
{
        struct job j = {
            r,    op,      op->want_subject ? op->want_subject->name : op->have_subject->name,
            NULL, dry_run, VEC_INIT};
        bool checks = op->action == PLAN_UPDATE && op->new_schema, pending = false;
        int rc = -1;

        j.enc = ccompat_url_encode(j.name);
        if (!j.enc)
                err_nomem(err);
        else if (op->want_subject && op->action != PLAN_DELETE && (checks || !dry_run) &&
                 refs_resolve(r, p, op->want_subject, dry_run, &j.refs, &pending, err) < 0)
                rc = -1; /* a reference is missing: nothing sent */
        else if ((dry_run && !checks) || pending)
                rc = 0;
        else if (op->action == PLAN_CREATE)
                rc = do_create(&j, err);
        else if (op->action == PLAN_UPDATE)
                rc = do_update(&j, err);
        else
                rc = do_delete(&j, err);
        free(j.enc);
        vec_release(&j.refs, ref_free_item);
        free(op->error);
        op->error = NULL;
        op->state = dry_run ? OP_SKIPPED : OP_DONE;
        if (rc == 0)
                return 0;
        err_prefix(err, "subject '%s'", j.name);
        op->state = OP_FAILED;
        op->error = strdup(err->msg);
        return -1;
}

int registry_apply(struct registry *r, struct plan *p, unsigned flags, struct err *err)
{
        struct err first = {0}, e;
        size_t failed = 0, total = 0;
        bool transient = false;

        for (size_t i = 0; i < p->ops.len; i++) {
                struct plan_op *op = p->ops.items[i];

                if (!is_subject_op(op))
                        continue;
                total++;
                err_clear(&e);
                if (run_op(r, p, op, flags & REGISTRY_APPLY_DRY_RUN, &e) == 0)
                        continue;
                transient = transient || e.kind == ERR_TRANSIENT;
                if (failed++ == 0)
                        first = e;
        }
        if (failed == 0)
                return 0;
        /* one failure the next reconcile may heal makes the whole batch worth retrying */
        return err_set(err, transient ? ERR_TRANSIENT : first.kind,
                       "schema registry: %zu of %zu subject changes failed: %s", failed, total,
                       first.msg);
}
