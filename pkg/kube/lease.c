/*
 * Leader-election Leases.
 */
#include "pkg/kube/lease.h"

#include <stdio.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/kube/kube.h"
#include "pkg/base/banned.h"

enum lease_action lease_decide(const struct lease *l, const char *me, double now)
{
        if (!l->exists || !l->holder[0])
                return LEASE_ACQUIRE;
        if (strcmp(l->holder, me) == 0)
                return LEASE_RENEW;
        /* a holder that stopped renewing for a whole lease duration has given up */
        if (l->renew + (l->duration_s > 0 ? l->duration_s : 15) < now)
                return LEASE_ACQUIRE;
        return LEASE_WAIT;
}

static const char *spec_str(json_object *spec, const char *key)
{
        json_object *v = NULL;

        return json_object_object_get_ex(spec, key, &v) ? json_object_get_string(v) : NULL;
}

static void decode(json_object *obj, struct lease *l)
{
        json_object *spec = NULL, *v = NULL;
        const char *s;

        l->exists = true;
        snprintf(l->rv, sizeof(l->rv), "%s", kube_meta_str(obj, "resourceVersion"));
        if (!json_object_object_get_ex(obj, "spec", &spec))
                return;
        s = spec_str(spec, "holderIdentity");
        snprintf(l->holder, sizeof(l->holder), "%s", s ? s : "");
        if (json_object_object_get_ex(spec, "leaseDurationSeconds", &v))
                l->duration_s = json_object_get_int(v);
        if (json_object_object_get_ex(spec, "leaseTransitions", &v))
                l->transitions = json_object_get_int64(v);
        s = spec_str(spec, "renewTime");
        l->renew = s ? kube_time_parse(s) : 0;
        s = spec_str(spec, "acquireTime");
        snprintf(l->acquired, sizeof(l->acquired), "%s", s ? s : "");
}

int lease_get(struct kube *k, const char *ns, const char *name, struct lease *l, struct err *err)
{
        char path[512];
        json_object *obj = NULL;

        memset(l, 0, sizeof(*l));
        snprintf(path, sizeof(path), "/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s", ns,
                 name);
        if (kube_request(k, "GET", path, NULL, NULL, &obj, err) < 0) {
                if (err->kind == ERR_NOT_FOUND) {
                        err_clear(err);
                        return 0;
                }
                return -1;
        }
        decode(obj, l);
        json_object_put(obj);
        return 0;
}

static json_object *lease_body(const char *ns, const char *name, const struct lease *prev,
                               const char *me, int duration_s)
{
        json_object *o = json_object_new_object(), *meta = json_object_new_object();
        json_object *spec = json_object_new_object();
        bool taking = !prev->exists || strcmp(prev->holder, me) != 0;
        char now[32];

        kube_now(now);
        json_object_object_add(o, "apiVersion", json_object_new_string("coordination.k8s.io/v1"));
        json_object_object_add(o, "kind", json_object_new_string("Lease"));
        json_object_object_add(meta, "name", json_object_new_string(name));
        json_object_object_add(meta, "namespace", json_object_new_string(ns));
        if (prev->exists)
                json_object_object_add(meta, "resourceVersion", json_object_new_string(prev->rv));
        json_object_object_add(o, "metadata", meta);
        json_object_object_add(spec, "holderIdentity", json_object_new_string(me));
        json_object_object_add(spec, "leaseDurationSeconds", json_object_new_int(duration_s));
        json_object_object_add(spec, "renewTime", json_object_new_string(now));
        if (taking && *me) {
                json_object_object_add(spec, "acquireTime", json_object_new_string(now));
                json_object_object_add(
                    spec, "leaseTransitions",
                    json_object_new_int64(prev->transitions + (prev->exists ? 1 : 0)));
        } else {
                if (prev->acquired[0])
                        json_object_object_add(spec, "acquireTime",
                                               json_object_new_string(prev->acquired));
                json_object_object_add(spec, "leaseTransitions",
                                       json_object_new_int64(prev->transitions));
        }
        json_object_object_add(o, "spec", spec);
        return o;
}

int lease_put(struct kube *k, const char *ns, const char *name, const struct lease *prev,
              const char *me, int duration_s, struct err *err)
{
        char path[512];
        json_object *body = lease_body(ns, name, prev, me, duration_s);
        const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
        int rc;

        if (prev->exists) {
                snprintf(path, sizeof(path), "/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s",
                         ns, name);
                rc = kube_request(k, "PUT", path, NULL, text, NULL, err);
        } else {
                snprintf(path, sizeof(path), "/apis/coordination.k8s.io/v1/namespaces/%s/leases",
                         ns);
                rc = kube_request(k, "POST", path, NULL, text, NULL, err);
        }
        json_object_put(body);
        return rc < 0 ? -1 : 0;
}
