/*
 * `specmesh catalogue --cluster` and `specmesh topology --cluster`: the DataProducts in the
 * API server (all namespaces, or one), listed in pages, read like the operator reads them.
 */
#include "operator/cli.h"
#include "operator/catalogue.h"

#include <stdio.h>
#include <string.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "pkg/yaml/diag.h"
#include "pkg/base/err.h"
#include "pkg/catalog/catalog.h"
#include "pkg/kube/kube.h"
#include "pkg/base/banned.h"

#define PAGE 200

/* Add one page of items; returns the continue token's copy in `next` ("" at the end). */
static int add_page(json_object *list, struct catalog *c, char *next, size_t n)
{
        json_object *items = NULL, *meta = NULL, *cont = NULL;
        int rc = 0;

        next[0] = 0;
        if (json_object_object_get_ex(list, "metadata", &meta) &&
            json_object_object_get_ex(meta, "continue", &cont))
                snprintf(next, n, "%s", json_object_get_string(cont));
        json_object_object_get_ex(list, "items", &items);
        for (size_t i = 0; i < json_object_array_length(items); i++) {
                json_object *o = json_object_array_get_idx(items, i);
                char name[600];
                const char *text;
                struct diags d;
                json_object_object_add(o, "apiVersion",
                                       json_object_new_string("specmesh.io/v1alpha1"));
                json_object_object_add(o, "kind", json_object_new_string("DataProduct"));
                text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
                snprintf(name, sizeof(name), "%s/%s", kube_ns(o), kube_name(o));
                diags_init(&d);
                if (catalog_add(c, name, text, strlen(text), NULL, &d) < 0) {
                        /* the operator reports it on the object's status; say it, go on */
                        fprintf(stderr,
                                "specmesh: skipping DataProduct %s: it does not read as "
                                "a valid product (see its status)\n",
                                name);
                        rc = 1;
                }
                diags_release(&d);
        }
        return rc;
}

int cli_load_cluster(const char *kubeconfig, const char *ns, struct catalog *c)
{
        struct kube_config kc;
        struct kube *k = NULL;
        struct err err;
        char path[1024], next[1024] = "", esc[1024];
        int rc = -1;

        err_clear(&err);
        curl_global_init(CURL_GLOBAL_DEFAULT);
        if (kube_config_load(&kc, kubeconfig, &err) < 0) {
                fprintf(stderr, "specmesh: %s\n", err.msg);
                curl_global_cleanup();
                return -1;
        }
        k = kube_new(&kc, &err);
        for (int page = 0; k && page < 10000; page++) {
                json_object *list = NULL;
                int n =
                    ns ? snprintf(path, sizeof(path),
                                  "/apis/specmesh.io/v1alpha1/namespaces/%s/dataproducts", ns)
                       : snprintf(path, sizeof(path), "/apis/specmesh.io/v1alpha1/dataproducts");
                kube_query_escape(next, esc, sizeof(esc));
                snprintf(path + n, sizeof(path) - (size_t)n, "?limit=%d%s%s", PAGE,
                         next[0] ? "&continue=" : "", next[0] ? esc : "");
                if (kube_request(k, "GET", path, NULL, NULL, &list, &err) < 0)
                        break;
                add_page(list, c, next, sizeof(next));
                json_object_put(list);
                if (!next[0]) {
                        rc = 0;
                        break;
                }
        }
        if (rc < 0)
                fprintf(stderr, "specmesh: listing DataProducts: %s\n", err.msg);
        kube_free(k);
        kube_config_release(&kc);
        curl_global_cleanup();
        catalog_sort(c);
        return rc;
}
