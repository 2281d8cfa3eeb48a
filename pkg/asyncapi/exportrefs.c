/* asyncapi_export_files(): the schema files of subjects with references, for `export`. */
#include "pkg/asyncapi/export.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/asyncapi/internal.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

#define MAX_DEPTH 8

static const char *ext_of(enum schema_type t)
{
        return t == SCHEMA_AVRO ? "avsc" : t == SCHEMA_JSON ? "json" : "proto";
}

char *export_file_name(const struct subject *s)
{
        return str_printf("schema/%s.%s", s->name, ext_of(s->type));
}

/* Add `path` -> the text of `s` unless present. */
static int add_file(struct vec *files, char *path, const struct subject *s)
{
        struct kv *kv;

        if (!path)
                return -1;
        for (size_t i = 0; i < files->len; i++)
                if (strcmp(((struct kv *)files->items[i])->key, path) == 0) {
                        free(path);
                        return 0;
                }
        kv = calloc(1, sizeof(*kv));
        if (kv) {
                kv->key = path;
                path = NULL;
                kv->value = str_dup(s->schema ? s->schema : "");
        }
        if (!kv || !kv->value || vec_push(files, kv) < 0) {
                free(path);
                kv_free(kv);
                return -1;
        }
        return 0;
}

/* The files `s` (written at `at`) references, recursively. */
static int add_refs(const struct product *have, const struct subject *s, const char *at,
                    struct vec *files, const char **why, int depth)
{
        for (size_t i = 0; i < s->refs.len; i++) {
                const struct schema_ref *r = s->refs.items[i];
                const struct subject *target = product_subject(have, r->subject);
                char *rel, *path;
                int rc;

                if (!target || depth > MAX_DEPTH)
                        continue; /* not observed (outside the domain): nothing to write */
                rel = s->type == SCHEMA_AVRO ? str_printf("%s.avsc", r->name) : str_dup(r->name);
                path = rel ? schema_ref_join(at, rel, why) : NULL;
                free(rel);
                if (!path) {
                        *why = *why ? *why : "out of memory";
                        return -1;
                }
                rc = add_refs(have, target, path, files, why, depth + 1);
                if (rc == 0)
                        rc = add_file(files, path, target);
                else
                        free(path);
                if (rc < 0)
                        return -1;
        }
        return 0;
}

int asyncapi_export_files(const struct product *have, struct vec *files, const char **why)
{
        *why = NULL;
        for (size_t i = 0; i < have->topics.len; i++) {
                const struct topic *t = have->topics.items[i];
                for (int k = 0; k < 2; k++) {
                        char *name = str_printf("%s-%s", t->name, k ? "key" : "value");
                        const struct subject *s = name ? product_subject(have, name) : NULL;
                        char *path = s && s->refs.len ? export_file_name(s) : NULL;
                        free(name);
                        if (!s || !s->refs.len)
                                continue;
                        if (path && add_refs(have, s, path, files, why, 0) < 0) {
                                free(path);
                                return -1;
                        }
                        if (add_file(files, path, s) < 0) {
                                *why = "out of memory";
                                return -1;
                        }
                }
        }
        return 0;
}
