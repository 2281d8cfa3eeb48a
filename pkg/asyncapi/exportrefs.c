/* asyncapi_export_files(): the schema files of subjects with references, for `export`. */
#include "pkg/asyncapi/export.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/asyncapi/internal.h"
#include "pkg/base/str.h"
#include "pkg/base/strmap.h"
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

/* Add `path` (freed here) -> the text of `s` unless present; `*why` says what failed. */
static int add_file(struct strmap *files, char *path, const struct subject *s, const char **why)
{
        int rc = path ? STRMAP_OK : STRMAP_NOMEM;

        if (path && !strmap_get(files, path))
                rc = strmap_set(files, path, s->schema ? s->schema : "");
        free(path);
        if (rc == STRMAP_FULL)
                *why = "more schema files than an export writes";
        else if (rc < 0)
                *why = "out of memory";
        return rc < 0 ? -1 : 0;
}

/* The files `s` (written at `at`) references, recursively. */
static int add_refs(const struct product *have, const struct subject *s, const char *at,
                    struct strmap *files, const char **why, int depth)
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
                        rc = add_file(files, path, target, why);
                else
                        free(path);
                if (rc < 0)
                        return -1;
        }
        return 0;
}

int asyncapi_export_files(const struct product *have, struct strmap *files, const char **why)
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
                        if (add_file(files, path, s, why) < 0)
                                return -1;
                }
        }
        return 0;
}
