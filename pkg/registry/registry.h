/*
 * The schema registry client: observes a data product's subjects and carries out the subject
 * changes of a plan, over the Confluent-compatible REST API (Confluent Schema Registry, or
 * Apicurio Registry's /apis/ccompat/v7). It owns one libcurl easy handle, reused for every
 * request so that the connection is kept alive, the registry's base URL and credentials.
 * Requests have a 5 s connect and a 30 s total timeout; response bodies are capped at
 * REGISTRY_BODY_MAX. Credentials: basic auth from the URL's userinfo, else from the registry
 * config file (config.h: basic auth, bearer token, CA, client certificate), else from the
 * environment (SPECMESH_REGISTRY_USER / SPECMESH_REGISTRY_PASSWORD); SPECMESH_REGISTRY_CA names a
 * CA bundle for https. The wire format (bodies, replies, error mapping) lives in ccompat.h.
 *
 * A `struct registry` is not thread-safe: one per worker.
 */
#ifndef PKG_REGISTRY_REGISTRY_H
#define PKG_REGISTRY_REGISTRY_H

#include <stdbool.h>

struct err;
struct plan;
struct product;
struct vec;
struct registry;
struct subject;

/* Largest response body accepted from the registry. */
#define REGISTRY_BODY_MAX (16u << 20)

enum registry_apply_flags {
        REGISTRY_APPLY_DRY_RUN = 1 << 0, /* only run compatibility checks; change nothing */
};

/*
 * Create a client for the registry at `base_url` (e.g. "http://127.0.0.1:18081/apis/ccompat/v7",
 * userinfo allowed). Does no I/O. Returns NULL with `err` set when the URL is not http(s) or
 * memory runs out. Free with registry_free().
 */
struct registry *registry_new(const char *base_url, struct err *err);

/*
 * The same with the settings of a Confluent-style registry properties file `config_file` (may
 * be NULL; config.h lists its keys): basic auth or a bearer token, the CA (file or PEM text),
 * a client certificate (PKCS#12, or PEM with its key) and the host-name check. `base_url` wins
 * over the file's schema.registry.url and may be NULL when the file has one; credentials in
 * the URL win over the file's, the file's over SPECMESH_REGISTRY_USER/_PASSWORD, and the
 * file's CA over SPECMESH_REGISTRY_CA. Does no I/O but reading the file. NULL with `err` set
 * (ERR_INVALID naming the file and key) on a bad setting.
 */
struct registry *registry_open(const char *base_url, const char *config_file, struct err *err);

/* Free the client and close its connection. NULL is fine. */
void registry_free(struct registry *r);

/* HTTP requests sent by this client so far (0 for NULL). */
unsigned long registry_request_count(const struct registry *r);

/*
 * The base URL without credentials, for messages. Borrowed: valid while r lives.
 */
const char *registry_url(const struct registry *r);

/*
 * Append to have->subjects (then sorted by name) every registered subject that lies in `domain`
 * (name starts with "<domain>.") or is named in want->subjects (`want` may be NULL), with its
 * latest version (schema text, type, version, id) and its own compatibility level (NULL when
 * the subject has none and follows the global default). Registries return Avro schemas in
 * canonical form; when the latest version is the wanted schema in another spelling (the
 * registry's lookup says so), the wanted text is reported, so that comparing texts finds no
 * change. Requests: GET /subjects once, then per matching subject the latest version and the
 * config, plus a lookup (POST /subjects/<s>) when its text differs from the wanted one. A
 * subject deleted between the list and the reads is left out. Returns 0, or -1 with `err` set
 * (have->subjects may then hold a prefix).
 */
int registry_observe(struct registry *r, const char *domain, const struct product *want,
                     struct product *have, struct err *err);

/*
 * Every subject's name (char *, appended to `names`), paged as registry_observe() lists: one
 * listing to share among the observations of many domains. Returns 0, or -1 with `err` set
 * (`names` then unchanged).
 */
int registry_list_all(struct registry *r, struct vec *names, struct err *err);

/*
 * registry_observe() with the listing given: the names of `listed` (from registry_list_all(),
 * possibly a little older than now, but not older than the domain's last write) instead of a
 * GET /subjects of its own; being complete, it also spares probing wanted subjects it lacks.
 * NULL: list, as registry_observe().
 */
int registry_observe_listed(struct registry *r, const char *domain, const struct product *want,
                            const struct vec *listed, struct product *have, struct err *err);

/*
 * Carry out the pending PLAN_SUBJECT ops of `p` in order, recording op->state and op->error:
 *   create: PUT /config (when want_subject->compatibility is set), then register;
 *   update: set_compatibility: PUT /config (DELETE /config when the wanted level is NULL);
 *           new_schema: compatibility check against the latest version first, an incompatible
 *           schema is refused with the registry's reasons, then register;
 *   delete: soft delete, then permanent delete.
 * Other ops are left alone. With REGISTRY_APPLY_DRY_RUN only the compatibility checks run;
 * ops that pass are marked OP_SKIPPED. One subject's failure does not stop the others.
 * Returns 0 when no op failed, else -1 with `err` summarising the failures.
 */
int registry_apply(struct registry *r, struct plan *p, unsigned flags, struct err *err);

/*
 * The latest version of subject `name` (its version, id and compatibility) into *out, NULL
 * when the subject does not exist. `want` (may be NULL) is the desired subject of that name,
 * whose text is kept when the registry's is the same schema in another spelling. Two or three
 * requests, no listing. Returns 0, or -1 with `err` set.
 */
int registry_read_subject(struct registry *r, const char *name, const struct subject *want,
                          struct subject **out, struct err *err);

/*
 * The subject `want` just registered (a create or update that went through) into *out: its
 * version and id by one lookup of the wanted schema (POST /subjects/<s>), its compatibility
 * `level` when the caller knows it (the level it set, or the one it saw and left), else read
 * (GET /config/<s>). A subject with references, or one the lookup does not find, is read as
 * registry_read_subject() does. Returns 0, or -1 with `err` set.
 */
int registry_read_registered(struct registry *r, const struct subject *want, bool level_known,
                             const char *level, struct subject **out, struct err *err);

#endif
