/*
 * The AccessRequest controller (`specmesh operator --access-requests`): a second controller
 * on the same runtime, one worker. Each request is decided by pkg/catalog/access.h against the
 * catalogue of the DataProducts the main controller caches; the phase, a message and a kstatus
 * Ready condition go on the request's status, and an Event on the request (and, when a request
 * starts waiting, on the owner's DataProduct). A request is Granted only once the owner's
 * product is Ready at its current generation, so the ACLs are in Kafka. Requests are looked
 * at again every few seconds while the owner may still answer.
 */
#include "operator/access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "operator/catalogue.h"
#include "pkg/base/err.h"
#include "pkg/base/log.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/catalog/access.h"
#include "pkg/catalog/catalog.h"
#include "pkg/kube/kube.h"
#include "pkg/base/banned.h"

#define AR_PATH     "/apis/" DP_GROUP_VERSION "/accessrequests"
#define AR_AGAIN_MS 3000

static const char *spec_str(json_object *obj, const char *section, const char *key)
{
        json_object *s = NULL, *v = NULL;

        if (!json_object_object_get_ex(obj, section, &s) || !json_object_object_get_ex(s, key, &v))
                return NULL;
        return json_object_get_string(v);
}

static enum access_phase phase_parse(const char *s)
{
        for (int p = ACCESS_INVALID; s && p <= ACCESS_REVOKED; p++)
                if (strcmp(s, access_phase_str((enum access_phase)p)) == 0)
                        return (enum access_phase)p;
        return ACCESS_PENDING;
}

/* The decision, held back while the owner's grant is not applied yet. */
static enum access_phase decide(struct ar_ctl *a, const struct catalog *c, json_object *obj,
                                char *why, size_t n)
{
        const struct cat_product *owner = NULL;
        struct access_request r = {kube_ns(obj), spec_str(obj, "spec", "topic"),
                                   spec_str(obj, "spec", "domain"),
                                   phase_parse(spec_str(obj, "status", "phase"))};
        enum access_phase p;

        p = access_decide(c, &r, why, n);
        if (p == ACCESS_GRANTED && access_topic(c, r.topic, &owner) &&
            (owner->ready != 1 || !owner->current)) {
                snprintf(why, n, "%s grants it; waiting until the operator has applied the grant",
                         owner->domain);
                p = r.previous == ACCESS_GRANTED ? ACCESS_GRANTED : ACCESS_PENDING;
        }
        if (p == ACCESS_PENDING && owner == NULL)
                access_topic(c, r.topic, &owner);
        snprintf(a->owner_ns, sizeof(a->owner_ns), "%s", owner && owner->ns ? owner->ns : "");
        snprintf(a->owner_name, sizeof(a->owner_name), "%s",
                 owner && owner->name ? owner->name : "");
        return p;
}

static json_object *status_of(enum access_phase p, const char *why, long long gen)
{
        json_object *st = json_object_new_object(), *conds = json_object_new_array();
        json_object *ready = json_object_new_object(), *patch = json_object_new_object();
        char now[32];

        kube_now(now);
        snprintf(now + 19, sizeof(now) - 19, "Z");
        json_object_object_add(ready, "type", json_object_new_string("Ready"));
        json_object_object_add(ready, "status",
                               json_object_new_string(p == ACCESS_GRANTED ? "True" : "False"));
        json_object_object_add(ready, "reason", json_object_new_string(access_phase_str(p)));
        json_object_object_add(ready, "message", json_object_new_string(why));
        json_object_object_add(ready, "lastTransitionTime", json_object_new_string(now));
        json_object_object_add(ready, "observedGeneration", json_object_new_int64(gen));
        json_object_array_add(conds, ready);
        json_object_object_add(st, "observedGeneration", json_object_new_int64(gen));
        json_object_object_add(st, "phase", json_object_new_string(access_phase_str(p)));
        json_object_object_add(st, "message", json_object_new_string(why));
        json_object_object_add(st, "conditions", conds);
        json_object_object_add(patch, "status", st);
        return patch;
}

/* Tell the owner, on its DataProduct, that someone waits for its answer. */
static void tell_owner(struct ar_ctl *a, json_object *obj, const char *why)
{
        char path[600], msg[1024];
        json_object *dp = NULL;
        const char *purpose = spec_str(obj, "spec", "purpose");
        struct err err;

        if (!a->owner_ns[0] || !a->owner_name[0])
                return;
        err_clear(&err);
        snprintf(path, sizeof(path), "/apis/%s/namespaces/%s/dataproducts/%s", DP_GROUP_VERSION,
                 a->owner_ns, a->owner_name);
        snprintf(msg, sizeof(msg), "AccessRequest %s/%s: %s asks to read %s%s%s; %s", kube_ns(obj),
                 kube_name(obj), spec_str(obj, "spec", "domain"), spec_str(obj, "spec", "topic"),
                 purpose ? " for: " : "", purpose ? purpose : "", why);
        if (kube_request(a->kube, "GET", path, NULL, NULL, &dp, &err) < 0 ||
            kube_event(a->kube, dp, "Normal", "AccessRequested", msg, DP_COMPONENT, &err) < 0)
                log_warn(NULL, "event on %s/%s: %s", a->owner_ns, a->owner_name, err.msg);
        json_object_put(dp);
}

static void collect(void *arg, const char *key, const char *json)
{
        struct vec *texts = arg;
        char *copy = str_printf("%s\n%s", key, json ? json : "{}");

        if (copy && vec_push(texts, copy) < 0)
                free(copy);
}

/* The cached objects of `ctl`, parsed: key -> json_object (owned by `out`). */
static void cached(struct controller *ctl, struct vec *keys, struct vec *objs)
{
        struct vec texts = VEC_INIT;

        controller_each_json(ctl, collect, &texts);
        for (size_t i = 0; i < texts.len; i++) {
                char *key = texts.items[i], *json = strchr(key, '\n');
                json_object *o;
                *json++ = 0;
                o = json_tokener_parse(json);
                if (!o)
                        continue;
                if (vec_push(keys, str_dup(key)) < 0 || vec_push(objs, o) < 0) {
                        json_object_put(o);
                        continue;
                }
        }
        vec_release(&texts, free);
}

static void put_obj(void *o)
{
        json_object_put(o);
}

/*
 * Keep every owner's status.accessRequests (the Pending requests for its topics) in line with
 * the requests: the one just decided (`key`, `phase`) as decided, the others as their status
 * says. Only owners whose list changed are written.
 */
static void sync_owners(struct ar_ctl *a, const struct catalog *c, const char *key,
                        enum access_phase phase)
{
        struct vec rkeys = VEC_INIT, reqs = VEC_INIT, dkeys = VEC_INIT, dps = VEC_INIT;
        struct access_entry *e;
        size_t n = 0;

        cached(&a->ctl, &rkeys, &reqs);
        cached(&a->op->ctl, &dkeys, &dps);
        e = calloc(reqs.len + 1, sizeof(*e));
        for (size_t i = 0; e && i < reqs.len; i++) {
                json_object *o = reqs.items[i];
                const char *ph = spec_str(o, "status", "phase");
                bool this_one = key && strcmp(rkeys.items[i], key) == 0;
                if (!ph && !this_one)
                        continue; /* not decided yet */
                e[n] = (struct access_entry){kube_ns(o),
                                             kube_name(o),
                                             spec_str(o, "spec", "topic"),
                                             spec_str(o, "spec", "domain"),
                                             spec_str(o, "spec", "purpose"),
                                             this_one ? phase : phase_parse(ph)};
                n++;
        }
        for (size_t i = 0; e && i < c->products.len; i++) {
                const struct cat_product *p = c->products.items[i];
                json_object *want, *have = NULL, *dp = NULL, *st = NULL, *patch;
                char dkey[600], path[700];
                struct err err;
                if (!p->ns || !p->name)
                        continue;
                snprintf(dkey, sizeof(dkey), "%s/%s", p->ns, p->name);
                for (size_t j = 0; j < dkeys.len && !dp; j++)
                        if (strcmp(dkeys.items[j], dkey) == 0)
                                dp = dps.items[j];
                if (dp && json_object_object_get_ex(dp, "status", &st))
                        json_object_object_get_ex(st, DP_STATUS_ACCESS_REQUESTS, &have);
                want = access_pending_list(c, p, e, n);
                if (json_object_equal(want, have) ||
                    (!want && have && json_object_is_type(have, json_type_array) &&
                     json_object_array_length(have) == 0)) {
                        json_object_put(want);
                        continue;
                }
                patch = json_object_new_object();
                st = json_object_new_object();
                json_object_object_add(st, DP_STATUS_ACCESS_REQUESTS, want); /* NULL: removed */
                json_object_object_add(patch, "status", st);
                snprintf(path, sizeof(path), "/apis/%s/namespaces/%s/dataproducts/%s/status",
                         DP_GROUP_VERSION, p->ns, p->name);
                err_clear(&err);
                if (kube_request(a->kube, "PATCH", path, "application/merge-patch+json",
                                 json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN),
                                 NULL, &err) < 0)
                        log_warn(NULL, "pending access requests on %s: %s", dkey, err.msg);
                else
                        log_info(NULL, "%s: %zu pending access request(s)", dkey,
                                 want ? json_object_array_length(want) : 0);
                json_object_put(patch);
        }
        free(e);
        vec_release(&rkeys, free);
        vec_release(&dkeys, free);
        vec_release(&reqs, put_obj);
        vec_release(&dps, put_obj);
}

static enum reconcile_result reconcile(void *arg, int worker, const char *key, json_object *obj,
                                       uint32_t *requeue_ms)
{
        struct ar_ctl *a = arg;
        struct log_ctx lc = {obj ? kube_ns(obj) : NULL, obj ? kube_name(obj) : NULL, NULL, NULL};
        char why[512], path[600];
        const char *before = obj ? spec_str(obj, "status", "phase") : NULL;
        const char *said = obj ? spec_str(obj, "status", "message") : NULL;
        long long gen;
        enum access_phase p;
        json_object *patch;
        struct catalog c;
        struct err err;

        (void)worker;
        catalog_init(&c);
        op_catalogue_build(&a->op->ctl, &c);
        if (!obj) { /* deleted: off its owner's list */
                sync_owners(a, &c, NULL, ACCESS_INVALID);
                catalog_release(&c);
                return RECONCILE_DONE;
        }
        gen = kube_generation(obj);
        p = decide(a, &c, obj, why, sizeof(why));
        sync_owners(a, &c, key, p);
        catalog_release(&c);
        *requeue_ms = AR_AGAIN_MS;
        if (before && strcmp(before, access_phase_str(p)) == 0 && said && !strcmp(said, why) &&
            json_object_get_int64(json_object_object_get(json_object_object_get(obj, "status"),
                                                         "observedGeneration")) == gen)
                return p == ACCESS_INVALID ? RECONCILE_DONE : RECONCILE_REQUEUE;
        err_clear(&err);
        snprintf(path, sizeof(path), "/apis/%s/namespaces/%s/accessrequests/%s/status",
                 DP_GROUP_VERSION, kube_ns(obj), kube_name(obj));
        patch = status_of(p, why, gen);
        if (kube_request(a->kube, "PATCH", path, "application/merge-patch+json",
                         json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN), NULL,
                         &err) < 0) {
                json_object_put(patch);
                log_warn(&lc, "access request status: %s", err.msg);
                return RECONCILE_RETRY;
        }
        json_object_put(patch);
        log_info(&lc, "access request %s: %s", access_phase_str(p), why);
        if (!before || strcmp(before, access_phase_str(p)) != 0) {
                kube_event(a->kube, obj, p == ACCESS_INVALID ? "Warning" : "Normal",
                           access_phase_str(p), why, DP_COMPONENT, &err);
                if (p == ACCESS_PENDING)
                        tell_owner(a, obj, why);
        }
        return p == ACCESS_INVALID ? RECONCILE_DONE : RECONCILE_REQUEUE;
}

static const struct controller_ops ar_ops = {reconcile, NULL, NULL, NULL};

int ar_start(struct ar_ctl *a, struct operator* op, const char *ns, struct err *err)
{
        struct controller_config cfg = {0};

        a->op = op;
        a->kube = kube_new(op->kube_cfg, err);
        if (!a->kube)
                return -1;
        if (ns)
                snprintf(a->path, sizeof(a->path), "/apis/%s/namespaces/%s/accessrequests",
                         DP_GROUP_VERSION, ns);
        else
                snprintf(a->path, sizeof(a->path), "%s", AR_PATH);
        cfg.path = a->path;
        cfg.api_version = DP_GROUP_VERSION;
        cfg.kind = "AccessRequest";
        cfg.workers = 1;
        cfg.resync_s = 30;
        cfg.watch_timeout_s = 300;
        cfg.retry_base_ms = 500;
        cfg.retry_max_ms = 60 * 1000;
        if (controller_start(&a->ctl, &cfg, &ar_ops, a, op->kube_cfg, &op->metrics, err) < 0) {
                kube_free(a->kube);
                a->kube = NULL;
                return -1;
        }
        a->running = true;
        return 0;
}

void ar_stop(struct ar_ctl *a)
{
        if (a->running)
                controller_stop(&a->ctl);
        a->running = false;
        kube_free(a->kube);
        a->kube = NULL;
}
