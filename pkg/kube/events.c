/*
 * core/v1 Events about an object: what `kubectl describe` shows under "Events".
 */
#include "pkg/kube/kube.h"

#include <stdio.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/banned.h"

#define EVENT_MESSAGE_MAX 1024 /* the API server refuses longer ones */

static void copy_field(json_object *dst, const char *key, json_object *src, const char *from)
{
        json_object *v = NULL;

        if (src && json_object_object_get_ex(src, from, &v))
                json_object_object_add(dst, key, json_object_get(v));
}

static json_object *involved(json_object *obj)
{
        json_object *ref = json_object_new_object(), *meta = NULL;

        json_object_object_get_ex(obj, "metadata", &meta);
        copy_field(ref, "apiVersion", obj, "apiVersion");
        copy_field(ref, "kind", obj, "kind");
        copy_field(ref, "name", meta, "name");
        copy_field(ref, "namespace", meta, "namespace");
        copy_field(ref, "uid", meta, "uid");
        copy_field(ref, "resourceVersion", meta, "resourceVersion");
        return ref;
}

int kube_event(struct kube *k, json_object *obj, const char *type, const char *reason,
               const char *message, const char *component, struct err *err)
{
        json_object *ev = json_object_new_object(), *meta = json_object_new_object();
        json_object *src = json_object_new_object();
        char now[32], gen[300], path[512], msg[EVENT_MESSAGE_MAX];
        int rc;

        kube_now(now);
        /* seconds precision: the v1 Event's timestamps are metav1.Time */
        snprintf(now + 19, sizeof(now) - 19, "Z");
        snprintf(gen, sizeof(gen), "%s.", kube_name(obj));
        snprintf(msg, sizeof(msg), "%s", message);
        json_object_object_add(meta, "generateName", json_object_new_string(gen));
        json_object_object_add(meta, "namespace", json_object_new_string(kube_ns(obj)));
        json_object_object_add(src, "component", json_object_new_string(component));
        json_object_object_add(ev, "apiVersion", json_object_new_string("v1"));
        json_object_object_add(ev, "kind", json_object_new_string("Event"));
        json_object_object_add(ev, "metadata", meta);
        json_object_object_add(ev, "involvedObject", involved(obj));
        json_object_object_add(ev, "type", json_object_new_string(type));
        json_object_object_add(ev, "reason", json_object_new_string(reason));
        json_object_object_add(ev, "message", json_object_new_string(msg));
        json_object_object_add(ev, "source", src);
        json_object_object_add(ev, "reportingComponent", json_object_new_string(component));
        json_object_object_add(ev, "firstTimestamp", json_object_new_string(now));
        json_object_object_add(ev, "lastTimestamp", json_object_new_string(now));
        json_object_object_add(ev, "count", json_object_new_int(1));
        snprintf(path, sizeof(path), "/api/v1/namespaces/%s/events", kube_ns(obj));
        rc = kube_request(k, "POST", path, NULL,
                          json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN), NULL, err);
        json_object_put(ev);
        return rc < 0 ? -1 : 0;
}
