/*
 * A small Kubernetes REST client: where the API server is and who we are (a kubeconfig's current
 * context with a bearer token or a client certificate, or the in-cluster service account), JSON
 * requests, streaming watches, Events and the few helpers the operator needs. One `struct kube`
 * holds one libcurl handle and is used by one thread at a time; threads each make their own
 * from the shared, read-only `struct kube_config`.
 */
#ifndef PKG_KUBE_KUBE_H
#define PKG_KUBE_KUBE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <json-c/json.h>

#include "pkg/base/err.h"

struct err;

struct kube_config {
        char *server;     /* https://host:port, no trailing slash */
        char *token;      /* bearer token, or NULL */
        char *token_file; /* re-read before each request when set (rotated SA tokens) */
        char *ca_pem;     /* CA bundle (PEM text), or NULL for the system store */
        char *cert_pem;   /* client certificate (PEM text), or NULL */
        char *key_pem;    /* client key (PEM text), or NULL */
        bool insecure;    /* insecure-skip-tls-verify */
        char *namespace;  /* the context's (or the pod's) namespace, or NULL */
        char *source;     /* where this came from, for messages */
};

/*
 * Load connection settings. `path` names a kubeconfig; NULL means $KUBECONFIG, then
 * in-cluster (KUBERNETES_SERVICE_HOST and the mounted service-account files), then
 * ~/.kube/config. Returns 0, or -1 with `err` naming the file and field that is wrong.
 */
int kube_config_load(struct kube_config *c, const char *path, struct err *err);

/* Parse kubeconfig text (YAML) named `file` for messages. Same contract as kube_config_load. */
int kube_config_parse(struct kube_config *c, const char *file, const char *text, size_t len,
                      struct err *err);
void kube_config_release(struct kube_config *c);

struct kube;

/* A client for one thread. The config must outlive it. NULL with `err` set on failure. */
struct kube *kube_new(const struct kube_config *c, struct err *err);
void kube_free(struct kube *k);

/* Requests sent and bytes received by this client so far (for benchmarks and /metrics). */
unsigned long kube_requests(const struct kube *k);

/* Bound each later kube_request() (not watches) to `seconds` in all, connecting included;
 * 0 restores the default (30 s). The leader election bounds its renewals by what is left of
 * the renew deadline, so that an API server that hangs cannot keep it leading. */
void kube_set_timeout(struct kube *k, double seconds);

/* Called after each kube_request() (not watches) with its duration and ERR_NONE or the kind
 * of error it returned, for metrics. `fn` NULL: none. */
typedef void (*kube_observe_fn)(void *arg, double seconds, enum err_kind kind);
void kube_set_observer(struct kube *k, kube_observe_fn fn, void *arg);

/*
 * Send one request: `method` GET/POST/PUT/PATCH/DELETE, `path` from the root ("/api/v1/..."),
 * `ctype` the body's content type (NULL: application/json), `body` or NULL. On a 2xx answer
 * returns the HTTP status and, when `out` is not NULL, the parsed body (caller puts it).
 * Otherwise returns -1 with `err` holding the API's own message and a kind: ERR_NOT_FOUND
 * (404), ERR_CONFLICT (409, 410), ERR_AUTH (401, 403), ERR_INVALID (400, 422), ERR_TRANSIENT
 * (connection problems, 429, 5xx).
 */
int kube_request(struct kube *k, const char *method, const char *path, const char *ctype,
                 const char *body, json_object **out, struct err *err);

/*
 * One watch event: `type` ADDED, MODIFIED, DELETED, BOOKMARK or ERROR, `obj` the object
 * (borrowed). Return 0 to go on, anything else to end the watch with that value.
 */
typedef int (*kube_watch_fn)(void *arg, const char *type, json_object *obj);

/*
 * Stream the watch at `path` (which carries ?watch=1&resourceVersion=...) calling `fn` per
 * event until the server ends it (returns 0), `fn` ends it (returns fn's value), `*stop`
 * becomes non-zero (returns 0 within about a second) or the connection fails (-1, `err`).
 */
int kube_watch(struct kube *k, const char *path, kube_watch_fn fn, void *arg, atomic_int *stop,
               struct err *err);

/* The object's identity, borrowed from `obj` ("" when absent). */
const char *kube_ns(json_object *obj);
const char *kube_name(json_object *obj);
const char *kube_meta_str(json_object *obj, const char *field); /* metadata.<field> */
long long kube_generation(json_object *obj);

/*
 * Record a core/v1 Event about `obj` (type "Normal" or "Warning", a CamelCase reason, a
 * message). Best effort: failures are returned, and callers usually only log them.
 */
int kube_event(struct kube *k, json_object *obj, const char *type, const char *reason,
               const char *message, const char *component, struct err *err);

/* Percent-encode `s` for a query string into `out` (cap `n`). Returns 0, -1 when too long. */
int kube_query_escape(const char *s, char *out, size_t n);

/* The current time as RFC 3339 with microseconds ("2026-11-25T19:44:08.123456Z"). */
void kube_now(char out[32]);
/* Parse an RFC 3339 time (with or without fraction) to seconds since the epoch; -1 if bad. */
double kube_time_parse(const char *s);

#endif
