/* registry_observe(): the actual subjects of one data product. */
#include "pkg/registry/registry.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/model/model.h"
#include "pkg/registry/ccompat.h"
#include "pkg/registry/http.h"
#include "pkg/base/banned.h"

/*
 * The subject's own compatibility level into *level, NULL when it has none. Confluent answers
 * 404 (error_code 40408) with defaultToGlobal=false; a registry that ignores the parameter
 * answers the global level instead (see README.md).
 */
static int read_config(struct registry *r, const char *enc, char **level, struct err *err)
{
        struct reply rp = {0};
        char *path = str_printf("/config/%s?defaultToGlobal=false", enc);
        int rc = -1;

        *level = NULL;
        if (!path) {
                err_nomem(err);
                goto out;
        }
        if (registry_call(r, "GET", path, NULL, &rp, err) == 0)
                rc = ccompat_parse_config(rp.json, level, err);
        else if (rp.status == 404)
                rc = 0;
out:
        reply_release(&rp);
        free(path);
        return rc;
}

/*
 * When the latest version of `have` is the wanted schema in another spelling, take the wanted
 * text, so that the planner's text comparison finds no change. Registries return Avro schemas
 * in Avro's canonical form, not as registered; the registry's lookup (POST /subjects/<s>)
 * decides whether two texts are the same schema.
 */
static int adopt_wanted_text(struct registry *r, const char *enc, const struct subject *want,
                             struct subject *have, struct err *err)
{
        struct reply rp = {0};
        struct subject *found = NULL;
        char *path = NULL, *body = NULL;
        int rc = 0;

        if (!want || !want->schema || want->type != have->type ||
            strcmp(want->schema, have->schema) == 0)
                return 0;
        if (!subject_refs_alike(want, have))
                return 0; /* other references: a change whatever the text */
        path = str_printf("/subjects/%s", enc);
        /* the lookup resolves the wanted text with the references the latest version has */
        body = ccompat_schema_body_refs(want->type, want->schema, &have->refs);
        if (!path || !body)
                rc = err_nomem(err);
        else if (registry_call(r, "POST", path, body, &rp, err) < 0)
                rc = rp.status == 404 ? 0 : -1; /* 404: not registered under this subject */
        else if (ccompat_parse_version(rp.json, have->name, &found, err) < 0)
                rc = -1;
        if (rc == 0 && found && found->version == have->version) {
                free(have->schema);
                have->schema = strdup(want->schema);
                rc = have->schema ? 0 : err_nomem(err);
        }
        if (rc == 0)
                err_clear(err);
        subject_free(found);
        reply_release(&rp);
        free(body);
        free(path);
        return rc;
}

/*
 * Read the latest version and the compatibility of subject `name` into *out; *out stays NULL
 * when the subject is gone (deleted since it was listed). `want` is the desired subject of that
 * name, or NULL.
 */
static int read_subject(struct registry *r, const char *name, const struct subject *want,
                        struct subject **out, struct err *err)
{
        struct reply rp = {0};
        char *enc = ccompat_url_encode(name);
        char *path = enc ? str_printf("/subjects/%s/versions/latest", enc) : NULL;
        int rc = -1;

        *out = NULL;
        if (!path) {
                err_nomem(err);
                goto out;
        }
        if (registry_call(r, "GET", path, NULL, &rp, err) < 0) {
                rc = rp.status == 404 ? 0 : -1;
                goto out;
        }
        if (ccompat_parse_version(rp.json, name, out, err) < 0)
                goto out;
        if (adopt_wanted_text(r, enc, want, *out, err) < 0)
                goto out;
        rc = read_config(r, enc, &(*out)->compatibility, err);
out:
        if (rc < 0) {
                subject_free(*out);
                *out = NULL;
                err_prefix(err, "subject '%s'", name);
        }
        reply_release(&rp);
        free(path);
        free(enc);
        return rc;
}

#define SUBJECTS_PAGE 1000

/*
 * Every subject whose name starts with `domain` + ".", appended to `names` (others may be
 * included: callers filter); every subject when `domain` is NULL. Apicurio answers at most 1,000
 * names per GET /subjects, so the list is read in pages (offset/limit); subjectPrefix narrows it on
 * registries that know it (Confluent) and is ignored by the others. A registry that ignores
 * offset/limit answers everything on the first page.
 */
static int list_subjects(struct registry *r, const char *domain, struct vec *names, struct err *err)
{
        char *prefix = ccompat_url_encode(domain ? domain : ""), *first = NULL;
        int rc = -1;

        for (size_t offset = 0; prefix;) {
                struct reply rp = {0};
                size_t before = names->len, got;
                char *path =
                    domain ? str_printf("/subjects?subjectPrefix=%s.&offset=%zu&limit=%d", prefix,
                                        offset, SUBJECTS_PAGE)
                           : str_printf("/subjects?offset=%zu&limit=%d", offset, SUBJECTS_PAGE);
                int pc = path ? registry_call(r, "GET", path, NULL, &rp, err) : err_nomem(err);
                if (pc == 0)
                        pc = ccompat_parse_subjects(rp.json, names, err);
                reply_release(&rp);
                free(path);
                if (pc < 0)
                        goto out;
                got = names->len - before;
                if (got != SUBJECTS_PAGE)
                        break; /* the last page, or a registry that does not page */
                if (first && strcmp(first, names->items[before]) == 0) {
                        /* offset ignored: the same page again */
                        for (size_t i = before; i < names->len; i++)
                                free(names->items[i]);
                        names->len = before;
                        break;
                }
                free(first);
                first = str_dup(names->items[before]);
                offset += got;
        }
        rc = prefix ? 0 : err_nomem(err);
out:
        free(first);
        free(prefix);
        return rc;
}

/*
 * Add the wanted subjects the listing did not show (a subject outside the domain prefix, e.g.
 * RecordNameStrategy's, on a registry that honours subjectPrefix): each is read directly and
 * is simply absent when it does not exist.
 */
static int add_wanted(size_t listed, const struct product *want, struct vec *names, struct err *err)
{
        for (size_t i = 0; want && i < want->subjects.len; i++) {
                const struct subject *w = want->subjects.items[i];
                bool seen = false;
                char *copy;
                for (size_t j = 0; j < listed && !seen; j++)
                        seen = strcmp(names->items[j], w->name) == 0;
                if (seen)
                        continue;
                copy = str_dup(w->name);
                if (!copy || vec_push(names, copy) < 0) {
                        free(copy);
                        return err_nomem(err);
                }
        }
        return 0;
}

int registry_list_all(struct registry *r, struct vec *names, struct err *err)
{
        size_t before = names->len;

        if (list_subjects(r, NULL, names, err) == 0)
                return 0;
        while (names->len > before)
                free(names->items[--names->len]);
        return -1;
}

int registry_observe_listed(struct registry *r, const char *domain, const struct product *want,
                            const struct vec *listed, struct product *have, struct err *err)
{
        struct vec names = VEC_INIT;
        struct subject *s = NULL;
        int rc = -1;

        /* the domain's names from the listing (the same filter as below: cheap to apply twice) */
        for (size_t i = 0; listed && i < listed->len; i++) {
                char *copy;
                if (!ccompat_observes(listed->items[i], domain, want))
                        continue;
                copy = str_dup(listed->items[i]);
                if (!copy || vec_push(&names, copy) < 0) {
                        free(copy);
                        err_nomem(err);
                        goto out;
                }
        }
        /* A listing of every subject is complete: a wanted subject it lacks does not exist
         * (a domain's own writes fence the listing), so there is nothing to probe. */
        if (!listed && (list_subjects(r, domain, &names, err) < 0 ||
                        add_wanted(names.len, want, &names, err) < 0))
                goto out;
        for (size_t i = 0; i < names.len; i++) {
                if (!ccompat_observes(names.items[i], domain, want))
                        continue;
                if (read_subject(r, names.items[i], ccompat_wanted(want, names.items[i]), &s, err) <
                    0)
                        goto out;
                if (s && vec_push(&have->subjects, s) < 0) {
                        err_nomem(err);
                        goto out;
                }
                s = NULL; /* owned by have now */
        }
        vec_sort(&have->subjects, subject_cmp_name);
        rc = 0;
out:
        subject_free(s);
        vec_release(&names, free);
        return rc;
}

int registry_observe(struct registry *r, const char *domain, const struct product *want,
                     struct product *have, struct err *err)
{
        return registry_observe_listed(r, domain, want, NULL, have, err);
}

int registry_read_subject(struct registry *r, const char *name, const struct subject *want,
                          struct subject **out, struct err *err)
{
        return read_subject(r, name, want, out, err);
}

int registry_read_registered(struct registry *r, const struct subject *want, bool level_known,
                             const char *level, struct subject **out, struct err *err)
{
        struct reply rp = {0};
        char *enc = NULL, *path = NULL, *body = NULL;
        int rc = -1;

        *out = NULL;
        if (want->refs.len) /* its references' versions were pinned by the apply: read it back */
                return read_subject(r, want->name, want, out, err);
        enc = ccompat_url_encode(want->name);
        path = enc ? str_printf("/subjects/%s", enc) : NULL;
        body = ccompat_schema_body_refs(want->type, want->schema, NULL);
        if (!path || !body) {
                err_nomem(err);
                goto out;
        }
        if (registry_call(r, "POST", path, body, &rp, err) < 0) {
                if (rp.status != 404)
                        goto out;
                /* not found after all (deleted since): read what is there (its own errors
                 * name the subject) */
                rc = read_subject(r, want->name, want, out, err);
                goto release;
        }
        if (ccompat_parse_version(rp.json, want->name, out, err) < 0)
                goto out;
        free((*out)->schema); /* the registry's spelling of the same schema: keep ours */
        (*out)->schema = strdup(want->schema);
        if (!(*out)->schema)
                err_nomem(err);
        else if (!level_known)
                rc = read_config(r, enc, &(*out)->compatibility, err);
        else if (level && !((*out)->compatibility = strdup(level)))
                err_nomem(err);
        else
                rc = 0;
out:
        if (rc < 0 && *out) {
                subject_free(*out);
                *out = NULL;
        }
        if (rc < 0)
                err_prefix(err, "subject '%s'", want->name);
release:
        reply_release(&rp);
        free(body);
        free(path);
        free(enc);
        return rc;
}
