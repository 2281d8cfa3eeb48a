/*
 * The DataProduct reconcile (DESIGN §2, §4): read the latest object, then finalizer, spec,
 * domain ownership, observe -> plan -> apply through the engine, status. Level-based: every
 * decision is taken from the object and the observed world, never from the watch event.
 */
#include "operator/operator.h"
#include "operator/credentials.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/asyncapi/asyncapi.h"
#include "pkg/base/buf.h"
#include "pkg/base/clock.h"
#include "pkg/base/err.h"
#include "pkg/base/log.h"
#include "pkg/base/str.h"
#include "pkg/kafka/kafka.h"
#include "pkg/kube/kube.h"
#include "pkg/registry/registry.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/status/status.h"
#include "pkg/reconcile/owner.h"
#include "pkg/base/banned.h"

#define MESSAGE_MAX 4096

struct rec {
        struct operator* op;
        struct op_worker *w;
        json_object *obj;
        const char *key;
        struct log_ctx log;
        char rid[24];
        char path[512];             /* the object's API path */
        const struct product *want; /* the spec being converged, once parsed */
        bool status_unwritten;      /* a status write failed: look again soon */
        uint32_t hold_ms;           /* before_apply held the plan: look again after this */
};

static json_object *field(json_object *o, const char *a, const char *b)
{
        json_object *x = NULL, *y = NULL;

        if (!json_object_object_get_ex(o, a, &x))
                return NULL;
        if (!b)
                return x;
        return json_object_object_get_ex(x, b, &y) ? y : NULL;
}

void dp_domain(json_object *obj, char *out, size_t n)
{
        json_object *spec = field(obj, "spec", "asyncapi"), *id = NULL;
        const char *s;

        out[0] = 0;
        if (!spec || !json_object_object_get_ex(spec, "id", &id))
                return;
        s = json_object_get_string(id);
        if (!s || strncmp(s, "urn:", 4) != 0)
                return;
        snprintf(out, n, "%s", s + 4);
        str_replace_char(out, ':', '.');
}

static bool has_finalizer(json_object *obj)
{
        json_object *f = field(obj, "metadata", "finalizers");

        for (size_t i = 0; f && i < json_object_array_length(f); i++)
                if (strcmp(json_object_get_string(json_object_array_get_idx(f, i)), DP_FINALIZER) ==
                    0)
                        return true;
        return false;
}

/* Add or remove our finalizer, at the resourceVersion we read (409 when it moved). */
static int set_finalizer(struct rec *r, bool want, struct err *err)
{
        json_object *patch = json_object_new_object(), *meta = json_object_new_object();
        json_object *list = json_object_new_array(), *f = field(r->obj, "metadata", "finalizers");
        int rc;

        for (size_t i = 0; f && i < json_object_array_length(f); i++) {
                json_object *x = json_object_array_get_idx(f, i);
                if (strcmp(json_object_get_string(x), DP_FINALIZER) != 0)
                        json_object_array_add(list, json_object_get(x));
        }
        if (want)
                json_object_array_add(list, json_object_new_string(DP_FINALIZER));
        json_object_object_add(meta, "finalizers", list);
        json_object_object_add(meta, "resourceVersion",
                               json_object_new_string(kube_meta_str(r->obj, "resourceVersion")));
        json_object_object_add(patch, "metadata", meta);
        rc = kube_request(r->w->kube, "PATCH", r->path, "application/merge-patch+json",
                          json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN), NULL, err);
        json_object_put(patch);
        return rc < 0 ? -1 : 0;
}

/*
 * Write `status` unless it equals the current one (a resync that changed nothing writes
 * nothing). Keys the old status had and the new one lacks are removed (merge-patch null).
 * Returns 1 when written, 0 when unchanged, -1 on failure.
 */
static int patch_status(struct rec *r, json_object *status, struct err *err)
{
        json_object *old = field(r->obj, "status", NULL), *patch, *body, *kept = NULL;
        char path[600];
        int rc;

        /* the access-request controller's field: compared as it is, never written here */
        if (old && json_object_object_get_ex(old, DP_STATUS_ACCESS_REQUESTS, &kept) &&
            !json_object_object_get_ex(status, DP_STATUS_ACCESS_REQUESTS, NULL))
                json_object_object_add(status, DP_STATUS_ACCESS_REQUESTS, json_object_get(kept));
        if (old && json_object_equal(old, status))
                return 0;
        body = json_object_new_object();
        patch = json_object_new_object();
        json_object_object_foreach(status, sk, sv)
        {
                if (strcmp(sk, DP_STATUS_ACCESS_REQUESTS) != 0)
                        json_object_object_add(patch, sk, json_object_get(sv));
        }
        json_object_object_foreach(old ? old : body, k, v)
        {
                (void)v;
                if (!json_object_object_get_ex(status, k, NULL))
                        json_object_object_add(patch, k, NULL);
        }
        json_object_object_add(body, "status", patch);
        snprintf(path, sizeof(path), "%s/status", r->path);
        rc = kube_request(r->w->kube, "PATCH", path, "application/merge-patch+json",
                          json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), NULL, err);
        json_object_put(body);
        if (rc < 0)
                return -1;
        /* later writes of this reconcile compare with what is there now */
        json_object_object_add(r->obj, "status", json_object_get(status));
        return 1;
}

static void event(struct rec *r, const char *type, const char *reason, const char *msg)
{
        struct err err;

        err_clear(&err);
        if (kube_event(r->w->kube, r->obj, type, reason, msg, DP_COMPONENT, &err) < 0)
                log_warn(&r->log, "event %s not recorded: %s", reason, err.msg);
}

/* The spec as a DataProduct manifest: only what the reader needs, not status or managedFields. */
static struct product *load_spec(struct rec *r, char *msg, size_t n)
{
        json_object *m = json_object_new_object(), *meta = json_object_new_object();
        struct asyncapi_opts opts = {0};
        struct diags d;
        struct product *p;
        const char *text;
        struct buf b;

        json_object_object_add(m, "apiVersion", json_object_new_string(DP_GROUP_VERSION));
        json_object_object_add(m, "kind", json_object_new_string("DataProduct"));
        json_object_object_add(meta, "name", json_object_new_string(kube_name(r->obj)));
        json_object_object_add(m, "metadata", meta);
        json_object_object_add(m, "spec", json_object_get(field(r->obj, "spec", NULL)));
        text = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY);
        diags_init(&d);
        p = asyncapi_load_buffer(r->key, text, strlen(text), NULL, &opts, &d);
        buf_init(&b, n - 1);
        for (size_t i = 0; i < d.items.len; i++) {
                const struct diag *x = d.items.items[i];
                buf_printf(&b, "%s%s%s%s", i ? "; " : "", x->msg, x->path ? ", at " : "",
                           x->path ? x->path : "");
        }
        snprintf(msg, n, "%s", b.data ? b.data : "the spec is not valid");
        if (p && d.items.len) {
                product_free(p);
                p = NULL;
        }
        buf_release(&b);
        diags_release(&d);
        json_object_put(m);
        return p;
}

/*
 * The spec of the generation being reconciled: parsed once per generation, then taken from
 * the cache (a resync of an unchanged object parses nothing). Returns 0 with *out (borrowed,
 * see speccache.h; NULL with `msg` when the spec is invalid), or -1 when memory ran out.
 */
static int spec(struct rec *r, const struct product **out, char *msg, size_t n)
{
        const char *uid = kube_meta_str(r->obj, "uid"), *m = NULL;
        long long gen = kube_generation(r->obj);
        struct product *fresh;

        if (!spec_cache_get(&r->op->specs, r->key, uid, gen, out, &m)) {
                fresh = load_spec(r, msg, n);
                log_debug(&r->log, "spec of generation %lld parsed", gen);
                if (spec_cache_put(&r->op->specs, r->key, uid, gen, fresh, fresh ? NULL : msg) <
                        0 ||
                    !spec_cache_get(&r->op->specs, r->key, uid, gen, out, &m))
                        return -1;
        }
        if (!*out)
                snprintf(msg, n, "%s", m ? m : "the spec is not valid");
        return 0;
}

struct owner_scan {
        struct claim self;
        char owner[512];
        char owner_domain[300];
        char principal_owner[512]; /* an older product acting as self's principal */
};

/* Domains are a tree: the same domain, an ancestor or a descendant is a clash. A principal is
 * one product's alone. */
static void scan_owner(void *arg, const char *key, const char *label, const char *created)
{
        struct owner_scan *s = arg;
        char before[512], domain[300], principal[320];
        struct claim other = {key, domain, created, s->self.nested, principal};

        claim_label_split(label, domain, sizeof(domain), principal, sizeof(principal));
        snprintf(before, sizeof(before), "%s", s->owner);
        claim_owner_step(&s->self, &other, s->owner, sizeof(s->owner));
        if (strcmp(before, s->owner) != 0)
                snprintf(s->owner_domain, sizeof(s->owner_domain), "%s", domain);
        claim_principal_step(&s->self, &other, s->principal_owner, sizeof(s->principal_owner));
}

/* The key (and domain) of an older DataProduct whose claim clashes with `domain`, or "";
 * in `powner` (when not NULL) the key of an older one acting as `principal`, or "". */
static void find_owner(struct rec *r, const char *domain, bool nested, char *out, size_t n,
                       char *odomain, size_t on, const char *principal, char *powner, size_t pn)
{
        struct owner_scan s = {
            {r->key, domain, kube_meta_str(r->obj, "creationTimestamp"), nested, principal},
            "",
            "",
            ""};

        controller_each(&r->op->ctl, scan_owner, &s);
        snprintf(out, n, "%s", s.owner);
        if (odomain)
                snprintf(odomain, on, "%s", s.owner_domain);
        if (powner)
                snprintf(powner, pn, "%s", s.principal_owner);
}

struct scope_sets {
        struct map *domains, *principals;
        int rc;
};

static void add_to_scope(void *arg, const char *key, const char *label, const char *created)
{
        struct scope_sets *d = arg;
        char domain[300], principal[320], user[330];

        (void)key;
        (void)created;
        claim_label_split(label, domain, sizeof(domain), principal, sizeof(principal));
        if (!domain[0])
                return;
        /* spec.principal as written may lack the "User:" the parsed product has */
        snprintf(user, sizeof(user), "%s%s", strchr(principal, ':') ? "" : "User:", principal);
        if (map_put(d->domains, domain, NULL, NULL) < 0 ||
            (principal[0] && map_put(d->principals, user, NULL, NULL) < 0))
                d->rc = -1;
}

int op_scope(void *arg, struct map *domains, struct map *principals)
{
        struct operator* op = arg;
        struct scope_sets d = {domains, principals, 0};

        controller_each(&op->ctl, add_to_scope, &d);
        return d.rc;
}

/* The core's on_call hook: a port call's duration and outcome into the metrics. */
static void backend_called(void *arg, const char *backend, double seconds, enum err_kind kind)
{
        struct operator* op = arg;

        metrics_observe_backend(&op->metrics,
                                strcmp(backend, "registry") == 0 ? METRICS_REGISTRY : METRICS_KAFKA,
                                seconds, kind);
}

static int ensure_engine(struct rec *r, struct err *err)
{
        double t0 = clock_now();
        bool probe;
        int rc;

        if (r->w->engine_open)
                return 0;
        /* connecting is a reading of Kafka too: while it is taken for down, fail at once */
        if (!breaker_allow(&r->op->kafka_down, &probe, err)) {
                rc = -1;
        } else {
                rc = engine_open(&r->w->engine, &r->op->conn, err);
                breaker_done(&r->op->kafka_down, probe, rc, err);
        }
        if (rc < 0) {
                /* a broker that cannot be reached (or refuses us) at connect time is a Kafka
                 * outage like a failed call: reason KafkaUnavailable/KafkaAccessDenied, and
                 * specmesh_backend_errors_total{backend="kafka"} counts it */
                if (err->kind == ERR_TRANSIENT || err->kind == ERR_AUTH) {
                        r->w->engine.core.failed = "kafka";
                        backend_called(r->op, "kafka", clock_now() - t0, err->kind);
                }
                return -1;
        }
        r->w->engine.core.on_call = backend_called;
        r->w->engine.core.on_call_arg = r->op;
        r->w->engine.shared = r->op->share ? &r->op->shared : NULL;
        r->w->engine.kafka_guard = &r->op->kafka_down;
        r->w->engine.registry_guard = &r->op->registry_down;
        r->w->engine_open = true;
        return 0;
}

/* Record an outcome on the status and the ready gauge; a Warning Event when the product has
 * just become Stalled (once per transition, not at every retry). Returns 1 when the status
 * changed (and was written). */
static int write_status(struct rec *r, const struct status_input *in)
{
        json_object *old = json_object_get(field(r->obj, "status", NULL));
        json_object *st = status_build(in, old);
        const char *reason = NULL, *message = NULL;
        char msg[MESSAGE_MAX];
        struct err err;
        int rc = 0;

        err_clear(&err);
        if (st) {
                metrics_set_ready(&r->op->metrics, r->key,
                                  status_is_ready(st, kube_generation(r->obj)));
                rc = patch_status(r, st, &err);
        }
        if (rc < 0) {
                log_warn(&r->log, "status not written: %s", err.msg);
                r->status_unwritten = true;
        }
        if (rc > 0 && status_stalled_transition(old, st, &reason, &message)) {
                snprintf(msg, sizeof(msg), "stalled: %s", message);
                event(r, "Warning", reason, msg);
        }
        json_object_put(st);
        json_object_put(old);
        return rc > 0;
}

static struct status_input base_input(struct rec *r, enum status_outcome o, const char *now)
{
        struct status_input in = {0};

        in.outcome = o;
        in.generation = kube_generation(r->obj);
        in.now = now;
        return in;
}

static size_t ops_done(const struct plan *p)
{
        size_t n = 0;

        for (size_t i = 0; i < p->ops.len; i++)
                n += ((const struct plan_op *)p->ops.items[i])->state == OP_DONE;
        return n;
}

/* spec.credentials (operator/credentials.c): the summary for the status, an Event on change. */
static int credentials(struct rec *r, const struct product *want, json_object **st, struct err *err)
{
        struct dp_cred_ctx c = {r->w->kube,   r->w->engine.kafka, r->obj,
                                want->domain, want->principal,    &r->log};
        char what[200], msg[600];
        int rc = dp_credentials_reconcile(&c, st, what, sizeof(what), err);

        snprintf(msg, sizeof(msg), "credential of %s %s: Secret %s-credentials", want->principal,
                 what, kube_name(r->obj));
        if (rc == 0 && what[0])
                event(r, "Normal", "Credentials", msg);
        return rc;
}

/*
 * Before the plan is applied. A product Ready at this generation whose domain this process
 * wrote less than OWN_WRITE_SETTLE_S ago: the changes its reading shows may only be its own
 * writes not showing yet (a Kafka broker answers from a metadata cache that follows the
 * controller; under load that takes a moment): held, looked at again once the write has
 * settled (r->hold_ms), nothing applied and nothing said. Otherwise Reconciling=True for the
 * generation being worked on, so that nobody reads the previous generation's Ready=True while
 * the changes are under way; a retry's status already says why it is not Ready and stays.
 */
static bool before_apply(void *arg, const struct plan *p, const struct product *have)
{
        struct rec *r = arg;
        struct status_input in;
        char now[32];
        double wrote = engine_last_write(&r->w->engine, have->domain);
        double since = clock_now() - wrote;
        long long gen = kube_generation(r->obj);
        bool ready = status_is_ready(field(r->obj, "status", NULL), gen);

        if (wrote > 0 && since < OWN_WRITE_SETTLE_S && ready) {
                r->hold_ms = (uint32_t)((OWN_WRITE_SETTLE_S - since) * 1000) + 100;
                log_info(&r->log,
                         "%zu changes seen %.1fs after its own write: looking again in %.1fs "
                         "before acting on them",
                         plan_change_count(p), since, r->hold_ms / 1000.0);
                return false;
        }
        for (size_t i = 0; i < p->ops.len; i++) {
                const struct plan_op *op = p->ops.items[i];
                if (op->action != PLAN_ORPHAN)
                        log_debug(&r->log, "change: %s %s %s", plan_action_str(op->action),
                                  plan_resource_str(op->resource), plan_op_name(op));
        }
        /* a retry: the status already tells of this generation, and why it is not Ready */
        if (!ready && json_object_get_int64(field(r->obj, "status", "observedGeneration")) == gen)
                return true;
        kube_now(now);
        in = base_input(r, STATUS_PROGRESSING, now);
        in.domain = have->domain;
        in.want = r->want;
        in.have = have;
        in.plan = p;
        write_status(r, &in);
        return true;
}

/* The engine's part: observe, plan, apply (unless suspended), then the status. */
static enum reconcile_result converge(struct rec *r, const struct product *want)
{
        struct plan p;
        struct product *have = NULL;
        struct err err;
        char now[32], msg[MESSAGE_MAX];
        unsigned flags = 0;
        int rc;
        struct status_input in;
        json_object *creds = NULL;

        plan_init(&p);
        err_clear(&err);
        kube_now(now);
        if (want->suspend)
                flags = ENGINE_DRY_RUN | ENGINE_PLAN_ONLY;
        else if (want->deletion == DELETION_DELETE)
                flags = ENGINE_PRUNE | ENGINE_REGISTRY_MAY_LAG;
        else
                flags = ENGINE_REGISTRY_MAY_LAG; /* the subjects follow when it is back */
        rc = ensure_engine(r, &err);
        r->want = want;
        if (rc == 0) {
                r->w->engine.core.before_apply = before_apply;
                r->w->engine.core.before_apply_arg = r;
                rc = engine_reconcile(&r->w->engine, want, flags, &p, &have, &err);
                r->w->engine.core.before_apply = NULL;
                r->w->engine.core.before_apply_arg = NULL;
                if (r->w->engine.core.held) {
                        product_free(have);
                        plan_release(&p);
                        return RECONCILE_REQUEUE;
                }
        }
        if (rc == 0 && !want->suspend)
                rc = credentials(r, want, &creds, &err);
        creds = usage_status(&r->op->usage, want->domain, creds);
        log_debug(&r->log,
                  "engine: observe kafka %.3fs registry %.3fs, apply kafka %.3fs registry %.3fs",
                  r->w->engine.core.t.observe_kafka, r->w->engine.core.t.observe_registry,
                  r->w->engine.core.t.apply_kafka, r->w->engine.core.t.apply_registry);
        in = base_input(r,
                        want->suspend ? STATUS_SUSPENDED
                        : rc < 0      ? STATUS_FAILED
                                      : STATUS_SYNCED,
                        now);
        in.domain = want->domain;
        in.want = want;
        in.have = have;
        in.plan = &p;
        in.message = err.msg;
        in.extra = creds;
        in.terminal = rc < 0 && (err.kind == ERR_TERMINAL || err.kind == ERR_INVALID);
        in.reason = rc < 0 ? status_failure_reason(r->w->engine.core.failed, err.kind) : NULL;
        in.stall_after = r->op->stall_after_s;
        write_status(r, &in);
        json_object_put(creds);
        atomic_fetch_add(&r->op->metrics.changes, want->suspend ? 0 : ops_done(&p));
        if (!want->suspend && ops_done(&p)) {
                snprintf(msg, sizeof(msg), "applied %zu of %zu changes", ops_done(&p),
                         plan_change_count(&p));
                event(r, "Normal", "Applied", msg);
                log_info(&r->log, "%s", msg);
        }
        if (rc < 0) {
                log_error(&r->log, "reconcile failed: %s", err.msg);
                event(r, "Warning", "ReconcileFailed", err.msg);
                if (err.kind == ERR_TRANSIENT || err.kind == ERR_AUTH) {
                        engine_close(&r->w->engine); /* reconnect on the next attempt */
                        r->w->kafka_seen = r->w->registry_seen = 0;
                        r->w->engine_open = false;
                }
        }
        product_free(have);
        plan_release(&p);
        /* a status that could not be written (an API server restarting) would stay stale
         * until the next resync: retry, which finds Kafka in sync and writes it */
        return rc < 0 || r->status_unwritten ? RECONCILE_RETRY : RECONCILE_DONE;
}

/* A product with `domain`'s identity and nothing declared: what a deleted DataProduct wants. */
static struct product *empty_product(const struct product *from, const char *domain)
{
        struct product *p = product_new();

        if (!p)
                return NULL;
        p->domain = str_dup(from ? from->domain : domain);
        p->principal = from ? str_dup(from->principal) : str_printf("User:%s", domain);
        p->deletion = from ? from->deletion : DELETION_RETAIN;
        if (!p->domain || !p->principal) {
                product_free(p);
                return NULL;
        }
        return p;
}

/*
 * Deletion: clean up what the product owns (ACLs and quota always; topics and subjects only
 * under deletionPolicy Delete), then let the object go.
 */
static enum reconcile_result finalize(struct rec *r)
{
        char msg[MESSAGE_MAX], domain[300], owner[512] = "", powner[512] = "";
        struct product *spec = load_spec(r, msg, sizeof(msg)), *gone = NULL;
        json_object *st_domain = field(r->obj, "status", "domain");
        enum reconcile_result res = RECONCILE_RETRY;
        struct err err;
        struct plan p;
        char now[32];

        plan_init(&p);
        err_clear(&err);
        snprintf(domain, sizeof(domain), "%s",
                 spec        ? spec->domain
                 : st_domain ? json_object_get_string(st_domain)
                             : "");
        if (domain[0])
                find_owner(r, domain, false, owner, sizeof(owner), NULL, 0,
                           spec ? spec->principal : NULL, powner, sizeof(powner));
        /* nothing to clean: never owned a domain, another product owns it or its principal
         * (its ACLs, quota and credential are that product's), or suspended */
        if (!domain[0] || owner[0] || powner[0] || (spec && spec->suspend))
                goto release;
        gone = empty_product(spec, domain);
        if (gone && ensure_engine(r, &err) == 0 && engine_is_self(&r->w->engine, gone->principal))
                goto release; /* refused while it lived (see self_principal): nothing to clean */
        if (!gone || ensure_engine(r, &err) < 0 ||
            engine_reconcile(&r->w->engine, gone,
                             gone->deletion == DELETION_DELETE ? ENGINE_PRUNE : 0, &p, NULL,
                             &err) < 0 ||
            dp_credentials_delete(&(struct dp_cred_ctx){r->w->kube, r->w->engine.kafka, r->obj,
                                                        gone->domain, gone->principal, &r->log},
                                  &err) < 0) {
                struct status_input in;
                kube_now(now);
                in = base_input(r, STATUS_DELETING, now);
                in.domain = domain;
                in.message = err.msg[0] ? err.msg : "out of memory";
                if (write_status(r, &in) > 0) /* a Warning Event when the reason changes */
                        event(r, "Warning", "CleanupFailed", in.message);
                log_error(&r->log, "clean-up failed: %s", in.message);
                goto out;
        }
        snprintf(msg, sizeof(msg), "deleted: %zu changes (deletionPolicy %s)", ops_done(&p),
                 gone->deletion == DELETION_DELETE ? "Delete: topics and subjects deleted"
                                                   : "Retain: topics and subjects kept");
        event(r, "Normal", "Deleted", msg);
        log_info(&r->log, "%s", msg);
release:
        if (set_finalizer(r, false, &err) < 0) {
                log_warn(&r->log, "finalizer not removed: %s", err.msg);
                goto out;
        }
        res = RECONCILE_DONE;
out:
        plan_release(&p);
        product_free(gone);
        product_free(spec);
        return res;
}

/* A product acting as the operator's own Kafka user would put ACLs and a quota on it (a
 * quota throttles every tenant's reconcile) and get its credential: refused, nothing touched.
 * Returns true when refused (status written). Unknown (no connection yet): not refused here;
 * engine_reconcile() refuses it too. */
static bool self_principal(struct rec *r, const struct product *want, const char *now)
{
        char msg[MESSAGE_MAX];
        struct status_input in;
        struct err err;

        err_clear(&err);
        if (ensure_engine(r, &err) < 0 || !engine_is_self(&r->w->engine, want->principal))
                return false;
        snprintf(msg, sizeof(msg),
                 "rule principals.self: principal %s is the user the operator connects to Kafka "
                 "as; no product may act as it, at spec.principal",
                 want->principal);
        in = base_input(r, STATUS_POLICY, now);
        in.domain = want->domain;
        in.message = msg;
        if (write_status(r, &in))
                log_warn(&r->log, "%s", msg);
        return true;
}

/* Two products acting as one principal would each get the other's grants, quota and
 * credentials: the newer is refused and touches nothing until one of them changes. */
static enum reconcile_result principal_conflict(struct rec *r, const struct product *want,
                                                const char *powner, const char *now)
{
        char msg[MESSAGE_MAX];
        struct status_input in = base_input(r, STATUS_PRINCIPAL, now);

        snprintf(msg, sizeof(msg),
                 "principal %s is used by DataProduct %s: a principal belongs to one product "
                 "(it would get the other's grants, quota and credentials)",
                 want->principal, powner);
        in.domain = want->domain;
        in.message = msg;
        if (write_status(r, &in))
                log_warn(&r->log, "%s", msg);
        return RECONCILE_DONE;
}

static enum reconcile_result run(struct rec *r)
{
        char msg[MESSAGE_MAX], owner[512], odomain[300], powner[512], now[32];
        const struct product *want = NULL;
        bool nested;
        int verdict;
        struct status_input in;
        struct err err;
        enum reconcile_result res;

        err_clear(&err);
        if (kube_meta_str(r->obj, "deletionTimestamp")[0])
                return has_finalizer(r->obj) ? finalize(r) : RECONCILE_DONE;
        if (!has_finalizer(r->obj)) {
                /* before any write: a deletion must never be missed */
                if (set_finalizer(r, true, &err) < 0) {
                        log_warn(&r->log, "finalizer not added: %s", err.msg);
                        return RECONCILE_RETRY;
                }
        }
        kube_now(now);
        if (spec(r, &want, msg, sizeof(msg)) < 0) {
                log_warn(&r->log, "spec not read: out of memory");
                return RECONCILE_RETRY;
        }
        if (!want) {
                in = base_input(r, STATUS_INVALID, now);
                in.message = msg;
                if (write_status(r, &in)) /* said once, not at every resync */
                        log_warn(&r->log, "invalid spec: %s", msg);
                return RECONCILE_DONE; /* nothing heals until the spec changes */
        }
        verdict = op_policy_verdict(r->w->kube, want, kube_ns(r->obj), &nested, msg, sizeof(msg));
        if (verdict != 0) {
                /* refused or unknown: nothing is touched (fail closed) */
                in = base_input(r, verdict > 0 ? STATUS_POLICY : STATUS_FAILED, now);
                in.domain = want->domain;
                in.message = msg;
                if (write_status(r, &in))
                        log_warn(&r->log, "%s", msg);
                return verdict > 0 ? RECONCILE_DONE : RECONCILE_RETRY;
        }
        if (self_principal(r, want, now))
                return RECONCILE_DONE;
        find_owner(r, want->domain, nested, owner, sizeof(owner), odomain, sizeof(odomain),
                   want->principal, powner, sizeof(powner));
        if (!owner[0] && powner[0])
                return principal_conflict(r, want, powner, now);
        if (owner[0]) {
                if (strcmp(odomain, want->domain) == 0)
                        snprintf(msg, sizeof(msg), "domain %s is owned by DataProduct %s",
                                 want->domain, owner);
                else
                        snprintf(msg, sizeof(msg),
                                 "domain %s overlaps domain %s of DataProduct %s: domains are a "
                                 "tree, and a MeshPolicy must allow a claim inside another "
                                 "(allowParentOwnership)",
                                 want->domain, odomain, owner);
                in = base_input(r, STATUS_CONFLICT, now);
                in.domain = want->domain;
                in.message = msg;
                if (write_status(r, &in))
                        log_warn(&r->log, "%s", msg);
                return RECONCILE_DONE;
        }
        res = converge(r, want);
        return res;
}

/* Add what the worker's engine sent since the last call to the metrics. */
static void count_engine_requests(struct operator* op, struct op_worker *w)
{
        unsigned long k = w->engine_open ? kafka_request_count(w->engine.kafka) : 0;
        unsigned long g = w->engine_open ? registry_request_count(w->engine.registry) : 0;

        /* a reopened engine starts again from zero */
        atomic_fetch_add(&op->metrics.kafka_requests, k >= w->kafka_seen ? k - w->kafka_seen : k);
        atomic_fetch_add(&op->metrics.registry_requests,
                         g >= w->registry_seen ? g - w->registry_seen : g);
        w->kafka_seen = k;
        w->registry_seen = g;
}

static enum reconcile_result dp_reconcile(void *arg, int worker, const char *key, json_object *obj,
                                          uint32_t *requeue_ms)
{
        struct operator* op = arg;
        struct rec r = {.op = op, .w = &op->workers[worker], .obj = obj, .key = key};
        unsigned long before;
        enum reconcile_result res;
        double t0;

        if (!obj) {
                spec_cache_drop(&op->specs, key);
                metrics_forget(&op->metrics, key);
                return RECONCILE_DONE; /* gone: the finalizer made sure it was cleaned up */
        }
        snprintf(r.rid, sizeof(r.rid), "%lu", atomic_fetch_add(&op->rid, 1) + 1);
        r.log = (struct log_ctx){kube_ns(obj), kube_name(obj), r.rid,
                                 kube_meta_str(obj, "resourceVersion")};
        snprintf(r.path, sizeof(r.path), "/apis/%s/namespaces/%s/dataproducts/%s", DP_GROUP_VERSION,
                 kube_ns(obj), kube_name(obj));
        before = kube_requests(r.w->kube);
        t0 = clock_now();
        memset(&r.w->engine.core.t, 0, sizeof(r.w->engine.core.t));
        res = run(&r);
        if (res == RECONCILE_REQUEUE)
                *requeue_ms = r.hold_ms;
        atomic_fetch_add(&op->metrics.kube_requests, kube_requests(r.w->kube) - before);
        count_engine_requests(op, r.w);
        log_debug(&r.log, "reconciled (%s) in %.3fs: engine %.3fs, %lu API requests",
                  res == RECONCILE_DONE    ? "done"
                  : res == RECONCILE_RETRY ? "retry"
                                           : "held",
                  clock_now() - t0,
                  r.w->engine.core.t.observe_kafka + r.w->engine.core.t.observe_registry +
                      r.w->engine.core.t.apply_kafka + r.w->engine.core.t.apply_registry,
                  kube_requests(r.w->kube) - before);
        return res;
}

/* The label: the domain claimed and the principal acted as (spec.principal, else the
 * default User:<domain>), so that ownership is decided from the cache without parsing. */
static void dp_label(void *arg, json_object *obj, char *out, size_t n)
{
        json_object *p = field(obj, "spec", "principal");
        const char *ps =
            p && json_object_is_type(p, json_type_string) ? json_object_get_string(p) : "";
        char domain[300], principal[320];

        (void)arg;
        dp_domain(obj, domain, sizeof(domain));
        if (ps[0])
                snprintf(principal, sizeof(principal), "%s", ps);
        else if (domain[0])
                snprintf(principal, sizeof(principal), "User:%s", domain);
        else
                principal[0] = 0;
        claim_label(domain, principal, out, n);
}

struct same_claim {
        const char *domain, *principal;
        struct vec keys;
};

static void collect_same(void *arg, const char *key, const char *label, const char *created)
{
        struct same_claim *s = arg;
        char domain[300], principal[320];
        struct claim a = {"", domain, "", false, principal}, b = {"-", "", "", false, s->principal};
        char *k;

        (void)created;
        claim_label_split(label, domain, sizeof(domain), principal, sizeof(principal));
        /* a parent's or a child's claim may be free now too, and the principal's next user */
        if (((domain[0] && model_domains_overlap(domain, s->domain)) ||
             claim_shares_principal(&a, &b)) &&
            (k = str_dup(key)) && vec_push(&s->keys, k) < 0)
                free(k);
}

/* A product that owned a domain (or a principal) is gone: the next claimant may take over. */
static void dp_deleted(void *arg, const char *label)
{
        struct operator* op = arg;
        char domain[300], principal[320];
        struct same_claim s = {domain, principal, VEC_INIT};

        claim_label_split(label, domain, sizeof(domain), principal, sizeof(principal));
        if (!domain[0] && !principal[0])
                return;
        controller_each(&op->ctl, collect_same, &s);
        for (size_t i = 0; i < s.keys.len; i++)
                controller_enqueue(&op->ctl, s.keys.items[i]);
        vec_release(&s.keys, free);
}

/*
 * Once a second: a backend taken for down (its breaker open, the hold over) is probed by the
 * failing product due first, not whenever backoff brings one round; a backend that answers
 * again brings every failing product's retry forward (backoffs grow to minutes in an outage).
 */
static void dp_tick(void *arg)
{
        struct operator* op = arg;
        struct breaker *b[] = {&op->kafka_down, &op->registry_down};
        bool back = false, probe = false;

        for (int i = 0; i < 2; i++) {
                bool open = breaker_is_open(b[i]);
                back = back || (op->was_down[i] && !open);
                op->was_down[i] = open;
                probe = probe || breaker_wants_probe(b[i]);
        }
        if (back || probe)
                controller_retry_now(&op->ctl, back);
}

const struct controller_ops dp_ops = {dp_reconcile, dp_label, dp_deleted, dp_tick};
