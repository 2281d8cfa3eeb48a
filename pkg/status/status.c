#include "pkg/status/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/base/buf.h"
#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/base/banned.h"

struct cond {
        const char *type;
        const char *status; /* "True" / "False"; NULL: leave the condition out */
        const char *reason;
        const char *message;
};

/* The condition of `type` in `st`, or NULL. Borrowed. */
static json_object *condition(json_object *st, const char *type)
{
        json_object *conds, *c, *v;

        if (!st || !json_object_object_get_ex(st, "conditions", &conds) ||
            !json_object_is_type(conds, json_type_array))
                return NULL;
        for (size_t i = 0; i < json_object_array_length(conds); i++) {
                c = json_object_array_get_idx(conds, i);
                if (json_object_object_get_ex(c, "type", &v) &&
                    strcmp(json_object_get_string(v), type) == 0)
                        return c;
        }
        return NULL;
}

/* A string field of condition `c`, or "". */
static const char *cond_str(json_object *c, const char *key)
{
        json_object *v;

        return c && json_object_object_get_ex(c, key, &v) ? json_object_get_string(v) : "";
}

/* Seconds since the epoch of an RFC 3339 UTC time ("2026-01-02T03:04:05[.frac]Z"), or -1. */
static double rfc3339(const char *s)
{
        struct tm tm = {0};

        if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                         &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
                return -1;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        return (double)timegm(&tm);
}

/*
 * A failure a retry may heal has gone on too long: the product was already stalled for the
 * same reason, or has been Reconciling=True for `stall_after` seconds or more.
 */
static bool overdue(const struct status_input *in, const char *reason, json_object *old)
{
        json_object *st = condition(old, "Stalled"), *rec = condition(old, "Reconciling");
        double since, now;

        if (in->stall_after <= 0)
                return false;
        if (st && strcmp(cond_str(st, "status"), "True") == 0)
                return strcmp(cond_str(st, "reason"), reason) == 0;
        if (!rec || strcmp(cond_str(rec, "status"), "True") != 0)
                return false;
        since = rfc3339(cond_str(rec, "lastTransitionTime"));
        now = rfc3339(in->now);
        return since >= 0 && now >= 0 && now - since >= in->stall_after;
}

/* The previous lastTransitionTime of `type` if its status is unchanged, else NULL. */
static const char *kept_transition(json_object *old, const char *type, const char *status)
{
        json_object *conds, *c, *v;

        if (!old || !json_object_object_get_ex(old, "conditions", &conds) ||
            !json_object_is_type(conds, json_type_array))
                return NULL;
        for (size_t i = 0; i < json_object_array_length(conds); i++) {
                c = json_object_array_get_idx(conds, i);
                if (!json_object_object_get_ex(c, "type", &v) ||
                    strcmp(json_object_get_string(v), type) != 0)
                        continue;
                if (!json_object_object_get_ex(c, "status", &v) ||
                    strcmp(json_object_get_string(v), status) != 0)
                        return NULL;
                if (!json_object_object_get_ex(c, "lastTransitionTime", &v))
                        return NULL;
                return json_object_get_string(v);
        }
        return NULL;
}

static void add_cond(json_object *arr, const struct cond *c, const struct status_input *in,
                     json_object *old)
{
        json_object *o;
        const char *since;

        if (!c->status)
                return;
        since = kept_transition(old, c->type, c->status);
        o = json_object_new_object();
        json_object_object_add(o, "type", json_object_new_string(c->type));
        json_object_object_add(o, "status", json_object_new_string(c->status));
        json_object_object_add(o, "reason", json_object_new_string(c->reason));
        json_object_object_add(o, "message", json_object_new_string(c->message ? c->message : ""));
        json_object_object_add(o, "observedGeneration", json_object_new_int64(in->generation));
        json_object_object_add(o, "lastTransitionTime",
                               json_object_new_string(since ? since : in->now));
        json_object_array_add(arr, o);
}

/* "; "-joined messages of the plan's problems and failed ops, capped. */
static char *problem_text(const struct plan *p, const char **first_reason)
{
        struct buf b;

        buf_init(&b, 4096);
        *first_reason = NULL;
        for (size_t i = 0; p && i < p->problems.len; i++) {
                const struct plan_problem *pr = p->problems.items[i];
                if (!*first_reason)
                        *first_reason = pr->reason;
                buf_printf(&b, "%s%s", b.len ? "; " : "", pr->message);
        }
        for (size_t i = 0; p && i < p->ops.len; i++) {
                const struct plan_op *op = p->ops.items[i];
                if (op->state != OP_FAILED)
                        continue;
                if (!*first_reason)
                        *first_reason = op->error && strstr(op->error, "incompatible")
                                            ? "IncompatibleSchema"
                                            : "ApplyFailed";
                buf_printf(&b, "%s%s", b.len ? "; " : "", op->error ? op->error : "failed");
        }
        return buf_detach(&b, NULL);
}

static char *summary_text(const struct status_input *in)
{
        struct buf b;
        size_t orphans = 0;

        for (size_t i = 0; in->plan && i < in->plan->ops.len; i++)
                orphans += ((struct plan_op *)in->plan->ops.items[i])->action == PLAN_ORPHAN;
        buf_init(&b, 1024);
        if (in->want)
                buf_printf(&b, "%zu topics, %zu ACLs, %zu subjects in sync", in->want->topics.len,
                           in->want->acls.len, in->want->subjects.len);
        if (orphans)
                buf_printf(&b, "; %zu orphaned (kept: deletionPolicy Retain)", orphans);
        return buf_detach(&b, NULL);
}

/* Ops of the plan that change something and did not go through (pending, skipped, failed). */
static size_t not_done(const struct plan *p)
{
        size_t n = 0;

        for (size_t i = 0; p && i < p->ops.len; i++) {
                const struct plan_op *op = p->ops.items[i];
                n += op->action != PLAN_ORPHAN && op->state != OP_DONE;
        }
        return n;
}

static void decide_failed(const struct status_input *in, json_object *old, struct cond c[3],
                          char **scratch)
{
        const char *reason = NULL;
        bool incompatible;

        *scratch = problem_text(in->plan, &reason);
        incompatible = !in->reason && reason && strcmp(reason, "IncompatibleSchema") == 0;
        c[0].reason = in->reason ? in->reason : reason ? reason : "ReconcileFailed";
        c[0].message = in->message;
        if (in->terminal || incompatible)
                c[2] = (struct cond){"Stalled", "True", c[0].reason,
                                     reason && *scratch && !in->reason ? *scratch : in->message};
        else if (overdue(in, c[0].reason, old))
                c[2] = (struct cond){"Stalled", "True", c[0].reason, in->message};
        else
                c[1] = (struct cond){"Reconciling", "True", "Retrying", in->message};
}

static void decide_suspended(const struct status_input *in, struct cond c[3], char **scratch)
{
        size_t pending = plan_change_count(in->plan);

        c[0].reason = "Suspended";
        if (!pending) {
                c[0].status = "True";
                c[0].message = "suspended: in sync";
                return;
        }
        *scratch = str_printf("suspended: %zu changes pending (set spec.suspend to false to "
                              "apply them)",
                              pending);
        c[0].message = *scratch;
        c[2] = (struct cond){"Stalled", "True", "Suspended", *scratch};
}

static void decide_progressing(const struct status_input *in, struct cond c[3], char **scratch)
{
        *scratch = str_printf("applying %zu changes for generation %lld",
                              plan_change_count(in->plan), in->generation);
        c[0].reason = "Progressing";
        c[0].message = *scratch;
        c[1] = (struct cond){"Reconciling", "True", "Progressing", *scratch};
}

/* Decide the three conditions; `scratch` receives strings the conditions point into. */
static void decide(const struct status_input *in, json_object *old, struct cond c[3],
                   char **scratch)
{
        const char *reason = NULL;

        c[0] = (struct cond){"Ready", "False", "Reconciling", NULL};
        c[1] = (struct cond){"Reconciling", NULL, NULL, NULL};
        c[2] = (struct cond){"Stalled", NULL, NULL, NULL};
        switch (in->outcome) {
        case STATUS_INVALID:
        case STATUS_CONFLICT:
        case STATUS_POLICY:
        case STATUS_PRINCIPAL:
                c[0].reason = in->outcome == STATUS_INVALID     ? "InvalidSpec"
                              : in->outcome == STATUS_CONFLICT  ? "DomainConflict"
                              : in->outcome == STATUS_PRINCIPAL ? "PrincipalConflict"
                                                                : "PolicyViolation";
                c[0].message = in->message;
                c[2] = (struct cond){"Stalled", "True", c[0].reason, in->message};
                return;
        case STATUS_FAILED:
                decide_failed(in, old, c, scratch);
                return;
        case STATUS_DELETING:
                c[0].reason = "Deleting";
                c[0].message = in->message; /* why the clean-up waits, on Ready too */
                c[1] = (struct cond){"Reconciling", "True", "Deleting", in->message};
                return;
        case STATUS_SUSPENDED:
                decide_suspended(in, c, scratch);
                return;
        case STATUS_PROGRESSING:
                decide_progressing(in, c, scratch);
                return;
        case STATUS_SYNCED:
                break;
        }
        *scratch = problem_text(in->plan, &reason);
        if (reason) {
                c[0].reason = reason;
                c[0].message = *scratch;
                c[2] = (struct cond){"Stalled", "True", reason, *scratch};
                return;
        }
        free(*scratch);
        *scratch = NULL;
        if (not_done(in->plan)) { /* not everything went through: not Ready, look again */
                decide_progressing(in, c, scratch);
                return;
        }
        *scratch = summary_text(in);
        c[0] = (struct cond){"Ready", "True", "Reconciled", *scratch};
}

static json_object *topics_json(const struct status_input *in)
{
        json_object *arr = json_object_new_array();

        for (size_t i = 0; in->want && i < in->want->topics.len; i++) {
                const struct topic *t = in->want->topics.items[i];
                const struct topic *h = in->have ? product_topic(in->have, t->name) : NULL;
                json_object *o = json_object_new_object();
                json_object_object_add(o, "name", json_object_new_string(t->name));
                json_object_object_add(o, "partitions",
                                       json_object_new_int(h ? h->partitions : t->partitions));
                json_object_object_add(o, "replicas",
                                       json_object_new_int(h ? h->replicas : t->replicas));
                json_object_array_add(arr, o);
        }
        return arr;
}

static json_object *subjects_json(const struct status_input *in)
{
        json_object *arr = json_object_new_array();

        for (size_t i = 0; in->want && i < in->want->subjects.len; i++) {
                const struct subject *s = in->want->subjects.items[i];
                const struct subject *h = in->have ? product_subject(in->have, s->name) : NULL;
                json_object *o = json_object_new_object();
                json_object_object_add(o, "name", json_object_new_string(s->name));
                json_object_object_add(o, "version", json_object_new_int(h ? h->version : 0));
                json_object_object_add(o, "id", json_object_new_int(h ? h->id : 0));
                json_object_array_add(arr, o);
        }
        return arr;
}

static json_object *orphans_json(const struct plan *p)
{
        json_object *arr = json_object_new_array();

        for (size_t i = 0; p && i < p->ops.len; i++) {
                const struct plan_op *op = p->ops.items[i];
                if (op->action != PLAN_ORPHAN)
                        continue;
                if (op->resource == PLAN_TOPIC && op->have_topic)
                        json_object_array_add(arr, json_object_new_string(op->have_topic->name));
                else if (op->resource == PLAN_SUBJECT && op->have_subject)
                        json_object_array_add(arr, json_object_new_string(op->have_subject->name));
        }
        return arr;
}

json_object *status_build(const struct status_input *in, json_object *old)
{
        json_object *st = json_object_new_object();
        json_object *conds = json_object_new_array();
        struct cond c[3];
        char *scratch = NULL;

        if (!st || !conds) {
                json_object_put(st);
                json_object_put(conds);
                return NULL;
        }
        decide(in, old, c, &scratch);
        for (int i = 0; i < 3; i++)
                add_cond(conds, &c[i], in, old);
        free(scratch);
        json_object_object_add(st, "observedGeneration", json_object_new_int64(in->generation));
        if (in->domain)
                json_object_object_add(st, "domain", json_object_new_string(in->domain));
        json_object_object_add(st, "conditions", conds);
        if (in->want) {
                json_object_object_add(st, "topicCount",
                                       json_object_new_int((int)in->want->topics.len));
                json_object_object_add(st, "topics", topics_json(in));
                json_object_object_add(st, "subjects", subjects_json(in));
                json_object_object_add(st, "acls", json_object_new_int((int)in->want->acls.len));
        }
        json_object_object_add(st, "orphaned", orphans_json(in->plan));
        if (in->extra) {
                json_object_object_foreach(in->extra, k, v)
                {
                        json_object_object_add(st, k, json_object_get(v));
                }
        }
        return st;
}

const char *status_failure_reason(const char *backend, enum err_kind kind)
{
        bool registry = backend && strcmp(backend, "registry") == 0;

        if (!backend || (kind != ERR_TRANSIENT && kind != ERR_AUTH))
                return NULL;
        if (kind == ERR_AUTH)
                return registry ? "RegistryAccessDenied" : "KafkaAccessDenied";
        return registry ? "RegistryUnavailable" : "KafkaUnavailable";
}

bool status_stalled_transition(json_object *old, json_object *now, const char **reason,
                               const char **message)
{
        json_object *was = condition(old, "Stalled"), *is = condition(now, "Stalled");

        if (!is || strcmp(cond_str(is, "status"), "True") != 0)
                return false;
        if (was && strcmp(cond_str(was, "status"), "True") == 0 &&
            strcmp(cond_str(was, "reason"), cond_str(is, "reason")) == 0)
                return false;
        *reason = cond_str(is, "reason");
        *message = cond_str(is, "message");
        return true;
}

bool status_is_ready(json_object *status, long long generation)
{
        json_object *og, *conds;

        if (!status || !json_object_object_get_ex(status, "observedGeneration", &og) ||
            json_object_get_int64(og) != generation)
                return false;
        if (!json_object_object_get_ex(status, "conditions", &conds))
                return false;
        for (size_t i = 0; i < json_object_array_length(conds); i++) {
                json_object *c = json_object_array_get_idx(conds, i), *t, *s;
                if (json_object_object_get_ex(c, "type", &t) &&
                    strcmp(json_object_get_string(t), "Ready") == 0 &&
                    json_object_object_get_ex(c, "status", &s))
                        return strcmp(json_object_get_string(s), "True") == 0;
        }
        return false;
}
