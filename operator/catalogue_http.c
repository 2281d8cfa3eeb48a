/*
 * The operator's read-only catalogue: built per request from the DataProducts the watch cache
 * holds, so it is exactly what the operator reconciles. Objects that do not read as a valid
 * product are left out (their status says why).
 */
#include "operator/operator.h"
#include "operator/catalogue.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/yaml/diag.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/catalog/catalog.h"
#include "pkg/base/banned.h"

static void collect(void *arg, const char *key, const char *json)
{
        struct vec *texts = arg;
        char *copy = str_printf("%s\n%s", key, json ? json : "{}");

        if (copy && vec_push(texts, copy) < 0)
                free(copy);
}

void op_catalogue_build(struct controller *ctl, struct catalog *c)
{
        struct vec texts = VEC_INIT;

        /* copy under the cache lock, parse outside it */
        controller_each_json(ctl, collect, &texts);
        for (size_t i = 0; i < texts.len; i++) {
                char *key = texts.items[i];
                char *json = strchr(key, '\n');
                struct diags d;
                *json++ = 0;
                diags_init(&d);
                catalog_add(c, key, json, strlen(json), NULL, &d);
                diags_release(&d);
        }
        vec_release(&texts, free);
        catalog_sort(c);
}

bool op_catalogue(struct controller *ctl, bool running, const struct httpd_request *r,
                  struct httpd_response *w)
{
        struct catalog c;
        bool handled;

        catalog_init(&c);
        if (running)
                op_catalogue_build(ctl, &c);
        handled = catalog_route(&c, r->path, httpd_query(r, "tag"), httpd_query(r, "q"), &w->status,
                                &w->content_type, &w->body);
        catalog_release(&c);
        if (handled && !running) {
                w->status = 503; /* no cache yet (starting, or standing by) */
                w->content_type = "text/plain; charset=utf-8";
                buf_reset(&w->body);
                buf_puts(&w->body,
                         "the catalogue is served by the leader once its cache is filled\n");
        }
        return handled;
}
