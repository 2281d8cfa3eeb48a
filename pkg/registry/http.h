/*
 * Inside pkg/registry: one request/reply exchange with the registry over the client's reused
 * libcurl handle. observe.c and apply.c build paths and bodies (ccompat.h) and call
 * registry_call(); only registry.c touches libcurl. Not for use outside pkg/registry.
 */
#ifndef PKG_REGISTRY_HTTP_H
#define PKG_REGISTRY_HTTP_H

struct err;
struct json_object;
struct registry;

/* The outcome of one exchange. `json` is owned: release it with reply_release(). */
struct reply {
        long status;              /* HTTP status; 0 when no reply arrived */
        int error_code;           /* the registry's error_code on failures, else 0 */
        struct json_object *json; /* parsed body, NULL when empty or not JSON */
};

void reply_release(struct reply *rp);

/*
 * Send `method` (GET, POST, PUT, DELETE) to <base url><path> with JSON `body` (NULL for none)
 * and fill `rp` (released first). `path` must already be URL-encoded. Returns 0 on a 2xx
 * status; -1 otherwise with `err` set from the transport failure or the registry's error body
 * (rp->status and rp->error_code say which, so that callers can accept e.g. a 404).
 */
int registry_call(struct registry *r, const char *method, const char *path, const char *body,
                  struct reply *rp, struct err *err);

#endif
