/* refs_resolve(): pin a schema's references to the versions registered now. */
#include "pkg/registry/refs.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/vec.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/registry/registry.h"
#include "pkg/base/banned.h"

/* The subject op of `p` for subject `name`, or NULL. */
static const struct plan_op *op_of(const struct plan *p, const char *name)
{
        for (size_t i = 0; i < p->ops.len; i++) {
                const struct plan_op *op = p->ops.items[i];
                const struct subject *s = op->want_subject ? op->want_subject : op->have_subject;
                if (op->resource == PLAN_SUBJECT && s && strcmp(s->name, name) == 0)
                        return op;
        }
        return NULL;
}

/* The version to reference for `ref`: 0 with *pending set when it will exist only later. */
static int version_of(struct registry *r, const struct plan *p, const struct schema_ref *ref,
                      bool dry_run, bool *pending, struct err *err)
{
        const struct plan_op *op = op_of(p, ref->subject);
        struct subject *have = NULL;
        int v;

        if (op && (op->state == OP_FAILED || (op->state == OP_SKIPPED && !dry_run)))
                return err_set(err, ERR_INVALID, "referenced subject '%s' was not registered",
                               ref->subject);
        if (registry_read_subject(r, ref->subject, NULL, &have, err) < 0)
                return -1;
        if (!have && dry_run && op && op->action == PLAN_CREATE) {
                *pending = true;
                return 0;
        }
        if (!have)
                return err_set(err, ERR_INVALID, "referenced subject '%s' does not exist",
                               ref->subject);
        v = have->version;
        subject_free(have);
        return v;
}

int refs_resolve(struct registry *r, const struct plan *p, const struct subject *s, bool dry_run,
                 struct vec *out, bool *pending, struct err *err)
{
        *pending = false;
        for (size_t i = 0; i < s->refs.len && !*pending; i++) {
                const struct schema_ref *ref = s->refs.items[i];
                struct schema_ref *copy;
                int v = version_of(r, p, ref, dry_run, pending, err);
                if (v < 0)
                        return -1;
                copy = calloc(1, sizeof(*copy));
                if (copy) {
                        copy->name = strdup(ref->name);
                        copy->subject = strdup(ref->subject);
                        copy->version = v;
                }
                if (!copy || !copy->name || !copy->subject || vec_push(out, copy) < 0) {
                        schema_ref_free(copy);
                        return err_nomem(err);
                }
        }
        return 0;
}
