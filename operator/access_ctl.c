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
static enum access_phase decide(struct ar_ctl *a, json_object *obj, char *why, size_t n)
{
        struct catalog c;
        const struct cat_product *owner = NULL;
        struct access_request r = {kube_ns(obj), spec_str(obj, "spec", "topic"),
                                   spec_str(obj, "spec", "domain"),
                                   phase_parse(spec_str(obj, "status", "phase"))};
        enum access_phase p;

        catalog_init(&c);
        op_catalogue_build(&a->op->ctl, &c);
        p = access_decide(&c, &r, why, n);
        if (p == ACCESS_GRANTED && catalog_topic(&c, r.topic, &owner) &&
            (owner->ready != 1 || !owner->current)) {
                snprintf(why, n, "%s grants it; waiting until the operator has applied the grant",
                         owner->domain);
                p = r.previous == ACCESS_GRANTED ? ACCESS_GRANTED : ACCESS_PENDING;
        }
        if (p == ACCESS_PENDING && owner == NULL)
                catalog_topic(&c, r.topic, &owner);
        snprintf(a->owner_ns, sizeof(a->owner_ns), "%s", owner && owner->ns ? owner->ns : "");
        snprintf(a->owner_name, sizeof(a->owner_name), "%s",
                 owner && owner->name ? owner->name : "");
        catalog_release(&c);
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
        struct err err;

        (void)worker;
        (void)key;
        if (!obj)
                return RECONCILE_DONE;
        gen = kube_generation(obj);
        p = decide(a, obj, why, sizeof(why));
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

static const struct controller_ops ar_ops = {reconcile, NULL, NULL};

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
