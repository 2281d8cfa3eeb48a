#include "pkg/registry/ccompat.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/registry/registry.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

/* Longest piece of a non-JSON error body quoted in a message. */
#define RAW_QUOTE_MAX 200

const struct subject *ccompat_wanted(const struct product *want, const char *name)
{
        for (size_t i = 0; want && i < want->subjects.len; i++) {
                const struct subject *s = want->subjects.items[i];

                if (strcmp(s->name, name) == 0)
                        return s;
        }
        return NULL;
}

bool ccompat_observes(const char *name, const char *domain, const struct product *want)
{
        /* the domain's own names only: never a longer domain's (docs/security.md) */
        if (domain && *domain && model_subject_owned(name, domain))
                return true;
        return ccompat_wanted(want, name) != NULL;
}

static bool unreserved(unsigned char c)
{
        return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

char *ccompat_url_encode(const char *s)
{
        static const char hex[] = "0123456789ABCDEF";
        size_t n = strlen(s);
        char *out = malloc(3 * n + 1);
        char *p = out;

        if (!out)
                return NULL;
        for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
                if (unreserved(*q)) {
                        *p++ = (char)*q;
                        continue;
                }
                *p++ = '%';
                *p++ = hex[*q >> 4];
                *p++ = hex[*q & 0xf];
        }
        *p = '\0';
        return out;
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        c = (char)tolower((unsigned char)c);
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* A percent-decoded copy of s[0..n). Invalid escapes are kept as is. */
static char *url_decode(const char *s, size_t n)
{
        char *out = malloc(n + 1);
        size_t o = 0;

        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                int hi = i + 2 < n && s[i] == '%' ? hexval(s[i + 1]) : -1;
                int lo = hi >= 0 ? hexval(s[i + 2]) : -1;

                if (hi >= 0 && lo >= 0) {
                        out[o++] = (char)(hi << 4 | lo);
                        i += 2;
                } else {
                        out[o++] = s[i];
                }
        }
        out[o] = '\0';
        return out;
}

/* Decode "user[:password]" of length n into *user and *password. */
static int split_userinfo(const char *s, size_t n, char **user, char **password)
{
        const char *colon = memchr(s, ':', n);
        size_t ulen = colon ? (size_t)(colon - s) : n;

        *user = url_decode(s, ulen);
        *password = colon ? url_decode(colon + 1, n - ulen - 1) : str_dup("");
        if (!*user || !*password) {
                free(*user);
                free(*password);
                *user = *password = NULL;
                return -1;
        }
        return 0;
}

int ccompat_split_url(const char *url, char **bare, char **user, char **password, struct err *err)
{
        const char *host = strstr(url, "://");
        const char *end, *at;
        size_t len;

        *bare = *user = *password = NULL;
        if (!host || !(str_starts_with(url, "http://") || str_starts_with(url, "https://")))
                return err_set(err, ERR_INVALID, "registry url '%s': not an http(s) url", url);
        host += 3;
        end = host + strcspn(host, "/?#");
        at = memchr(host, '@', (size_t)(end - host));
        if (at && split_userinfo(host, (size_t)(at - host), user, password) < 0)
                return err_nomem(err);
        len = strlen(url);
        while (len > 0 && url[len - 1] == '/')
                len--;
        if (at)
                *bare = str_printf("%.*s%.*s", (int)(host - url), url,
                                   (int)(len - (size_t)(at + 1 - url)), at + 1);
        else
                *bare = str_ndup(url, len);
        if (!*bare) {
                free(*user);
                free(*password);
                *user = *password = NULL;
                return err_nomem(err);
        }
        return 0;
}

static char *to_text_and_put(struct json_object *o)
{
        char *s = NULL;

        if (o)
                s = str_dup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                  JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        return s;
}

/* Add o[key] = string `val`; returns 0 or -1 (no memory). */
static int add_string(struct json_object *o, const char *key, const char *val)
{
        struct json_object *s = json_object_new_string(val);

        if (!s)
                return -1;
        if (json_object_object_add(o, key, s) < 0) {
                json_object_put(s);
                return -1;
        }
        return 0;
}

/* "references": [{"name", "subject", "version"}, ...] */
static int add_refs(struct json_object *o, const struct vec *refs)
{
        struct json_object *a = json_object_new_array();

        if (!a || json_object_object_add(o, "references", a) < 0) {
                json_object_put(a);
                return -1;
        }
        for (size_t i = 0; i < refs->len; i++) {
                const struct schema_ref *r = refs->items[i];
                struct json_object *e = json_object_new_object();
                if (!e || json_object_array_add(a, e) < 0) {
                        json_object_put(e);
                        return -1;
                }
                if (add_string(e, "name", r->name) < 0 ||
                    add_string(e, "subject", r->subject) < 0 ||
                    json_object_object_add(e, "version", json_object_new_int(r->version)) < 0)
                        return -1;
        }
        return 0;
}

char *ccompat_schema_body(enum schema_type type, const char *schema)
{
        return ccompat_schema_body_refs(type, schema, NULL);
}

char *ccompat_schema_body_refs(enum schema_type type, const char *schema, const struct vec *refs)
{
        struct json_object *o = json_object_new_object();

        if (!o || add_string(o, "schema", schema) < 0)
                goto fail;
        if (refs && refs->len && add_refs(o, refs) < 0)
                goto fail;
        /* always explicit: a registry that guesses the type from the content (Apicurio) may
         * guess wrong or not at all */
        if (add_string(o, "schemaType", schema_type_str(type)) < 0)
                goto fail;
        return to_text_and_put(o);
fail:
        json_object_put(o);
        return NULL;
}

char *ccompat_config_body(const char *level)
{
        struct json_object *o = json_object_new_object();

        if (!o || add_string(o, "compatibility", level) < 0) {
                json_object_put(o);
                return NULL;
        }
        return to_text_and_put(o);
}

struct json_object *ccompat_parse(const char *text, size_t len)
{
        struct json_tokener *tok;
        struct json_object *o;

        if (!text || len == 0 || len > INT32_MAX)
                return NULL;
        tok = json_tokener_new();
        if (!tok)
                return NULL;
        o = json_tokener_parse_ex(tok, text, (int)len);
        if (json_tokener_get_error(tok) != json_tokener_success ||
            json_tokener_get_parse_end(tok) != len) {
                json_object_put(o);
                o = NULL;
        }
        json_tokener_free(tok);
        return o;
}

/* Borrowed member `key` of object `j` when it has type `t`, else NULL. */
static struct json_object *member(const struct json_object *j, const char *key, json_type t)
{
        struct json_object *v = NULL;

        if (!j || !json_object_is_type(j, json_type_object))
                return NULL;
        if (!json_object_object_get_ex(j, key, &v) || !json_object_is_type(v, t))
                return NULL;
        return v;
}

int ccompat_parse_subjects(const struct json_object *j, struct vec *names, struct err *err)
{
        size_t n;

        if (!json_object_is_type(j, json_type_array))
                return err_set(err, ERR_INTERNAL, "subject list: not a json array");
        n = json_object_array_length(j);
        for (size_t i = 0; i < n; i++) {
                struct json_object *e = json_object_array_get_idx(j, i);
                char *name;

                if (!json_object_is_type(e, json_type_string))
                        return err_set(err, ERR_INTERNAL, "subject list: entry %zu: not a string",
                                       i);
                name = strdup(json_object_get_string(e));
                if (!name || vec_push(names, name) < 0) {
                        free(name);
                        return err_nomem(err);
                }
        }
        return 0;
}

/* "references": [{"name", "subject", "version"}] of a version into s->refs; absent is none. */
static int parse_refs(const struct json_object *j, struct subject *s)
{
        struct json_object *a = member(j, "references", json_type_array);

        for (size_t i = 0; a && i < json_object_array_length(a); i++) {
                const struct json_object *e = json_object_array_get_idx(a, i);
                struct json_object *name = member(e, "name", json_type_string);
                struct json_object *sub = member(e, "subject", json_type_string);
                struct json_object *version = member(e, "version", json_type_int);
                if (!name || !sub || !version ||
                    subject_add_ref(s, json_object_get_string(name), json_object_get_string(sub),
                                    json_object_get_int(version)) < 0)
                        return -1;
        }
        return 0;
}

int ccompat_parse_version(const struct json_object *j, const char *name, struct subject **out,
                          struct err *err)
{
        struct json_object *schema = member(j, "schema", json_type_string);
        struct json_object *version = member(j, "version", json_type_int);
        struct json_object *id = member(j, "id", json_type_int);
        struct json_object *type = member(j, "schemaType", json_type_string);
        char upper[16];
        enum schema_type t = SCHEMA_AVRO;

        *out = NULL;
        if (!schema || !version || !id)
                return err_set(err, ERR_INTERNAL,
                               "subject '%s': latest version: missing schema, version or id", name);
        if (type) {
                /* upper-case: the Confluent spelling; some registries answer "json" */
                snprintf(upper, sizeof(upper), "%s", json_object_get_string(type));
                for (char *c = upper; *c; c++)
                        *c = (char)toupper((unsigned char)*c);
                if (schema_type_parse(upper, &t) < 0)
                        return err_set(err, ERR_INTERNAL, "subject '%s': unknown schemaType '%s'",
                                       name, json_object_get_string(type));
        }
        *out = subject_new(name, t, json_object_get_string(schema));
        if (!*out)
                return err_nomem(err);
        (*out)->version = json_object_get_int(version);
        (*out)->id = json_object_get_int(id);
        if (parse_refs(j, *out) < 0) {
                subject_free(*out);
                *out = NULL;
                return err_set(err, ERR_INTERNAL, "subject '%s': malformed references", name);
        }
        return 0;
}

int ccompat_parse_config(const struct json_object *j, char **level, struct err *err)
{
        struct json_object *v = member(j, "compatibilityLevel", json_type_string);

        if (!v)
                v = member(j, "compatibility", json_type_string);
        *level = NULL;
        if (!v)
                return err_set(err, ERR_INTERNAL, "config: no compatibility level in reply");
        *level = strdup(json_object_get_string(v));
        return *level ? 0 : err_nomem(err);
}

int ccompat_parse_check(const struct json_object *j, bool *ok, struct vec *reasons, struct err *err)
{
        struct json_object *v = member(j, "is_compatible", json_type_boolean);
        struct json_object *msgs = member(j, "messages", json_type_array);
        size_t n = msgs ? json_object_array_length(msgs) : 0;

        if (!v)
                return err_set(err, ERR_INTERNAL, "compatibility check: no is_compatible in reply");
        *ok = json_object_get_boolean(v);
        for (size_t i = 0; i < n; i++) {
                struct json_object *m = json_object_array_get_idx(msgs, i);
                const char *text =
                    json_object_is_type(m, json_type_string)
                        ? json_object_get_string(m)
                        : json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN |
                                                                JSON_C_TO_STRING_NOSLASHESCAPE);
                char *copy = str_dup(text ? text : "null");

                if (!copy || vec_push(reasons, copy) < 0) {
                        free(copy);
                        return err_nomem(err);
                }
        }
        return 0;
}

char *ccompat_refusal_reason(const struct json_object *j)
{
        struct json_object *v = member(j, "message", json_type_string);
        const char *msg = v ? json_object_get_string(v) : NULL;
        const char *colon = msg ? strstr(msg, ": ") : NULL;

        if (!msg)
                return NULL;
        /* "a.b.FooException: text": a class name is one word, dotted, ending in Exception */
        if (colon && memchr(msg, ' ', (size_t)(colon - msg)) == NULL &&
            memchr(msg, '.', (size_t)(colon - msg)) != NULL && colon - msg >= 9 &&
            strncmp(colon - 9, "Exception", 9) == 0)
                msg = colon + 2;
        return strdup(msg);
}

int ccompat_error_code(const struct json_object *j)
{
        struct json_object *v = member(j, "error_code", json_type_int);

        return v ? json_object_get_int(v) : 0;
}

static enum err_kind status_kind(long status)
{
        if (status == 401 || status == 403)
                return ERR_AUTH;
        if (status == 404)
                return ERR_NOT_FOUND;
        if (status == 400 || status == 409 || status == 422)
                return ERR_INVALID;
        if (status == 408 || status == 429 || status >= 500)
                return ERR_TRANSIENT;
        return ERR_INTERNAL;
}

/*
 * A body that is not the registry's JSON (a proxy's or gateway's HTML page) as one line: the
 * page's <title> when it has one, else the text with every run of blanks made one space.
 */
static void one_line(const char *raw, char *out, size_t n)
{
        const char *t = strstr(raw, "<title>"), *end = t ? strstr(t, "</title>") : NULL;
        size_t len = end ? (size_t)(end - t - 7) : strlen(raw), k = 0;
        bool blank = false;

        if (end)
                raw = t + 7;
        for (size_t i = 0; i < len && k + 1 < n; i++) {
                bool b = isspace((unsigned char)raw[i]);
                if (b && (blank || k == 0)) {
                        blank = true;
                        continue;
                }
                out[k++] = b ? ' ' : raw[i];
                blank = b;
        }
        while (k > 0 && out[k - 1] == ' ')
                k--;
        out[k] = '\0';
}

int ccompat_http_error(long status, const struct json_object *j, const char *raw, struct err *err)
{
        char line[RAW_QUOTE_MAX + 1];

        struct json_object *msg = member(j, "message", json_type_string);
        int code = ccompat_error_code(j);
        enum err_kind kind = status_kind(status);

        if (msg && code)
                return err_set(err, kind, "%s (http %ld, error_code %d)",
                               json_object_get_string(msg), status, code);
        if (msg)
                return err_set(err, kind, "%s (http %ld)", json_object_get_string(msg), status);
        if (raw && *raw) {
                one_line(raw, line, sizeof(line));
                return err_set(err, kind, "http %ld: '%s'", status, line);
        }
        return err_set(err, kind, "http %ld", status);
}

int ccompat_curl_error(int code, int os_errno, const char *url, const char *detail, struct err *err)
{
        const char *what = detail && *detail ? detail : curl_easy_strerror((CURLcode)code);

        switch (code) {
        case CURLE_COULDNT_CONNECT:
                if (os_errno == ECONNREFUSED)
                        return err_set(err, ERR_TRANSIENT, "schema registry %s: connection refused",
                                       url);
                return err_set(err, ERR_TRANSIENT, "schema registry %s: cannot connect: %s", url,
                               what);
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
                return err_set(err, ERR_TRANSIENT, "schema registry %s: %s", url, what);
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
                return err_set(err, ERR_AUTH, "schema registry %s: tls: %s", url, what);
        case CURLE_WRITE_ERROR:
                return err_set(err, ERR_INTERNAL, "schema registry %s: reply larger than %u bytes",
                               url, REGISTRY_BODY_MAX);
        default:
                return err_set(err, ERR_INTERNAL, "schema registry %s: %s", url, what);
        }
}

char *ccompat_incompatible_msg(int version, const struct vec *reasons)
{
        struct buf b;

        buf_init(&b, CCOMPAT_REASONS_MAX);
        if (version > 0)
                buf_printf(&b, "schema is incompatible with version %d", version);
        else
                buf_puts(&b, "schema is incompatible with the latest version");
        for (size_t i = 0; i < reasons->len; i++) {
                /* a reason that does not fit is dropped whole rather than cut */
                if (buf_printf(&b, "%s%s", i == 0 ? ": " : "; ", (const char *)reasons->items[i]) <
                    0)
                        break;
        }
        if (reasons->len == 0)
                buf_puts(&b, " (the registry gave no reasons)");
        return buf_detach(&b, NULL);
}
