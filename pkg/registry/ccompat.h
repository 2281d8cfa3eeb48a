/*
 * The wire format of the Confluent-compatible schema registry API, as pure functions: which
 * subjects a product observes, URL
 * encoding and credential splitting, request bodies, parsing of replies, and the mapping of
 * HTTP statuses, registry error bodies and transport failures to `struct err`. No I/O, so all of
 * it is unit-tested from JSON fixtures; registry.c does the talking. Replies are json-c objects
 * owned by the caller; every parser here only borrows them.
 */
#ifndef PKG_REGISTRY_CCOMPAT_H
#define PKG_REGISTRY_CCOMPAT_H

#include <stdbool.h>
#include <stddef.h>

#include "pkg/model/model.h"

struct err;
struct json_object;
struct product;
struct vec;

/* Longest message built from a registry's compatibility reasons. */
#define CCOMPAT_REASONS_MAX 4096

/*
 * True when registry_observe() reads subject `name`: it is one of `domain`'s own names
 * (model_subject_owned: never a longer domain's) or is named in want->subjects (`want` may be
 * NULL).
 */
bool ccompat_observes(const char *name, const char *domain, const struct product *want);

/* The subject called `name` in want->subjects, or NULL (also when `want` is NULL). Borrowed. */
const struct subject *ccompat_wanted(const struct product *want, const char *name);

/*
 * Percent-encode every byte of `s` except RFC 3986 unreserved characters, for use as one path
 * segment. Caller frees; NULL when memory runs out.
 */
char *ccompat_url_encode(const char *s);

/*
 * Split "scheme://user:password@host..." into the URL without userinfo (trailing slashes
 * removed) and the percent-decoded user and password (NULL when the URL has none). Fails with
 * ERR_INVALID when the scheme is not http or https. The outputs are freed by the caller; on
 * failure they are all NULL.
 */
int ccompat_split_url(const char *url, char **bare, char **user, char **password, struct err *err);

/*
 * Body of POST /subjects/<s>/versions and of the compatibility check:
 * {"schema": <text>, "schemaType": "AVRO" | "JSON" | "PROTOBUF"}, the type always explicit
 * (Confluent 5.5 and later and Apicurio accept it for every type).
 * Caller frees; NULL when memory runs out.
 */
char *ccompat_schema_body(enum schema_type type, const char *schema);
/* The same with "references": [{"name", "subject", "version"}] from `refs` (struct schema_ref *,
 * versions as given) when `refs` is not NULL or empty. */
char *ccompat_schema_body_refs(enum schema_type type, const char *schema, const struct vec *refs);

/* Body of PUT /config/<s>: {"compatibility": <level>}. Caller frees; NULL on no memory. */
char *ccompat_config_body(const char *level);

/* Parse a reply body. Returns a new object (json_object_put it), NULL when it is not JSON. */
struct json_object *ccompat_parse(const char *text, size_t len);

/*
 * GET /subjects: a JSON array of strings. Appends heap copies to `names` (char *).
 * Returns 0, or -1 with `err` set (ERR_INTERNAL on a malformed reply).
 */
int ccompat_parse_subjects(const struct json_object *j, struct vec *names, struct err *err);

/*
 * GET /subjects/<name>/versions/latest: {"subject", "version", "id", "schema", "schemaType",
 * "references"}. A missing schemaType means AVRO; references go to (*out)->refs. Sets *out to a new
 * subject (subject_free it) called `name` with type, schema, version and id. Returns 0, or -1 with
 * `err` set.
 */
int ccompat_parse_version(const struct json_object *j, const char *name, struct subject **out,
                          struct err *err);

/*
 * GET or PUT /config[/<s>]: {"compatibilityLevel": L} (GET) or {"compatibility": L} (PUT).
 * Sets *level to a heap copy of L. Returns 0, or -1 with `err` set.
 */
int ccompat_parse_config(const struct json_object *j, char **level, struct err *err);

/*
 * POST /compatibility/...?verbose=true: {"is_compatible": bool, "messages": [...]}. Sets *ok
 * and appends each message (strings as is, anything else as JSON text) to `reasons`.
 * Returns 0, or -1 with `err` set.
 */
int ccompat_parse_check(const struct json_object *j, bool *ok, struct vec *reasons,
                        struct err *err);

/*
 * The reason in a registry's refusal to register (409): its "message", without the Java
 * exception class Apicurio puts in front ("io.apicurio...RuleViolationException: "). Caller
 * frees; NULL when the body has no message or memory runs out.
 */
char *ccompat_refusal_reason(const struct json_object *j);

/* The "error_code" of a registry error body, or 0 when there is none. `j` may be NULL. */
int ccompat_error_code(const struct json_object *j);

/*
 * Turn a failed HTTP exchange into `err`: 401/403 -> ERR_AUTH, 404 -> ERR_NOT_FOUND,
 * 400/409/422 -> ERR_INVALID with the registry's message and error_code, 408/429/5xx ->
 * ERR_TRANSIENT, anything else ERR_INTERNAL. `j` is the parsed body or NULL, `raw` the body text
 * (quoted, shortened, when it is not a registry error object). Always returns -1.
 */
int ccompat_http_error(long status, const struct json_object *j, const char *raw, struct err *err);

/*
 * Turn a libcurl failure (CURLcode `code`, the OS errno of the connect, libcurl's error
 * buffer `detail`) on registry `url` into `err`: connection refused, DNS failures and timeouts
 * are ERR_TRANSIENT, TLS verification failures ERR_AUTH, an over-long body ERR_INTERNAL.
 * Always returns -1.
 */
int ccompat_curl_error(int code, int os_errno, const char *url, const char *detail,
                       struct err *err);

/*
 * The one-line refusal of an incompatible schema, to be prefixed with the subject:
 * "schema is incompatible with version 2: <reason>; <reason>" ("the latest version" when
 * `version` is not positive), at most CCOMPAT_REASONS_MAX bytes (reasons that do not fit are
 * dropped whole). Caller frees; NULL on no memory.
 */
char *ccompat_incompatible_msg(int version, const struct vec *reasons);

#endif
