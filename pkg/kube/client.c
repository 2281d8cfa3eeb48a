/*
 * Requests and watches over one libcurl handle (kept alive between requests).
 */
#include "pkg/kube/kube.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>

#include "pkg/base/buf.h"
#include "pkg/base/clock.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/banned.h"

#define BODY_MAX          (64u << 20) /* a list of many DataProducts */
#define EVENT_MAX         (8u << 20)  /* one watch event: one object */
#define REQUEST_TIMEOUT_S 30L
#define TOKEN_MAX         16384

struct kube {
        const struct kube_config *cfg;
        CURL *curl;
        unsigned long requests;
        char errbuf[CURL_ERROR_SIZE];
        kube_observe_fn observe;
        void *observe_arg;
        long timeout_ms; /* a request's whole time, connect included; 0: REQUEST_TIMEOUT_S */
};

struct kube *kube_new(const struct kube_config *c, struct err *err)
{
        struct kube *k = calloc(1, sizeof(*k));

        if (!k || !(k->curl = curl_easy_init())) {
                free(k);
                err_nomem(err);
                return NULL;
        }
        k->cfg = c;
        return k;
}

void kube_free(struct kube *k)
{
        if (!k)
                return;
        curl_easy_cleanup(k->curl);
        free(k);
}

unsigned long kube_requests(const struct kube *k)
{
        return k->requests;
}

void kube_set_timeout(struct kube *k, double seconds)
{
        k->timeout_ms = seconds <= 0 ? 0 : seconds < 0.001 ? 1 : (long)(seconds * 1000);
}

void kube_set_observer(struct kube *k, kube_observe_fn fn, void *arg)
{
        k->observe = fn;
        k->observe_arg = arg;
}

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
        struct buf *b = arg;

        /* a short count makes libcurl stop with CURLE_WRITE_ERROR: the cap was hit */
        return buf_add(b, p, size * n) < 0 ? 0 : size * n;
}

/* The Authorization header, re-reading a token file so that rotated tokens are picked up. */
static struct curl_slist *auth_header(const struct kube_config *c, struct curl_slist *h,
                                      struct err *err)
{
        char *tok = NULL, *line;
        size_t len;

        if (c->token_file) {
                tok = str_read_file(c->token_file, TOKEN_MAX, &len);
                if (!tok) {
                        err_set(err, ERR_AUTH, "token file %s: unreadable", c->token_file);
                        return NULL;
                }
                while (len > 0 && (tok[len - 1] == '\n' || tok[len - 1] == '\r'))
                        tok[--len] = 0;
        }
        if (!tok && !c->token)
                return h;
        line = str_printf("Authorization: Bearer %s", tok ? tok : c->token);
        free(tok);
        if (line)
                h = curl_slist_append(h, line);
        free(line);
        return h;
}

/* Set everything but the body on the handle; returns the header list the caller frees. */
static struct curl_slist *prepare(struct kube *k, const char *method, const char *path,
                                  const char *ctype, struct err *err)
{
        const struct kube_config *c = k->cfg;
        struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
        char url[4096], ct[128];

        snprintf(url, sizeof(url), "%s%s", c->server, path);
        snprintf(ct, sizeof(ct), "Content-Type: %s", ctype ? ctype : "application/json");
        h = curl_slist_append(h, ct);
        h = auth_header(c, h, err);
        if (!h)
                return NULL;
        curl_easy_reset(k->curl);
        curl_easy_setopt(k->curl, CURLOPT_URL, url);
        curl_easy_setopt(k->curl, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(k->curl, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(k->curl, CURLOPT_ERRORBUFFER, k->errbuf);
        curl_easy_setopt(k->curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(k->curl, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(k->curl, CURLOPT_USERAGENT, "specmesh-operator");
        if (c->ca_pem) {
                struct curl_blob ca = {c->ca_pem, strlen(c->ca_pem), CURL_BLOB_COPY};
                curl_easy_setopt(k->curl, CURLOPT_CAINFO_BLOB, &ca);
        }
        if (c->cert_pem && c->key_pem) {
                struct curl_blob cert = {c->cert_pem, strlen(c->cert_pem), CURL_BLOB_COPY};
                struct curl_blob key = {c->key_pem, strlen(c->key_pem), CURL_BLOB_COPY};
                curl_easy_setopt(k->curl, CURLOPT_SSLCERT_BLOB, &cert);
                curl_easy_setopt(k->curl, CURLOPT_SSLCERTTYPE, "PEM");
                curl_easy_setopt(k->curl, CURLOPT_SSLKEY_BLOB, &key);
                curl_easy_setopt(k->curl, CURLOPT_SSLKEYTYPE, "PEM");
        }
        if (c->insecure) {
                curl_easy_setopt(k->curl, CURLOPT_SSL_VERIFYPEER, 0L);
                curl_easy_setopt(k->curl, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        k->requests++;
        return h;
}

static enum err_kind kind_of_status(long status)
{
        switch (status) {
        case 401:
        case 403:
                return ERR_AUTH;
        case 404:
                return ERR_NOT_FOUND;
        case 409:
        case 410:
                return ERR_CONFLICT;
        case 400:
        case 422:
                return ERR_INVALID;
        default:
                return status >= 500 || status == 429 ? ERR_TRANSIENT : ERR_INTERNAL;
        }
}

/* An error from a non-2xx answer, with the API's Status message when there is one. */
static int status_error(long status, const char *method, const char *path, json_object *body,
                        struct err *err)
{
        json_object *msg = NULL;

        if (body)
                json_object_object_get_ex(body, "message", &msg);
        return err_set(err, kind_of_status(status), "%s %s: %ld %s", method, path, status,
                       msg ? json_object_get_string(msg) : "(no message)");
}

int kube_request(struct kube *k, const char *method, const char *path, const char *ctype,
                 const char *body, json_object **out, struct err *err)
{
        struct buf resp;
        struct curl_slist *h;
        json_object *obj = NULL;
        CURLcode rc;
        long status = 0;
        int ret = -1;
        double t0 = clock_now();

        if (out)
                *out = NULL;
        h = prepare(k, method, path, ctype, err);
        if (!h)
                return -1;
        buf_init(&resp, BODY_MAX);
        curl_easy_setopt(k->curl, CURLOPT_TIMEOUT_MS,
                         k->timeout_ms ? k->timeout_ms : REQUEST_TIMEOUT_S * 1000L);
        curl_easy_setopt(k->curl, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(k->curl, CURLOPT_WRITEDATA, &resp);
        if (body)
                curl_easy_setopt(k->curl, CURLOPT_POSTFIELDS, body);
        rc = curl_easy_perform(k->curl);
        curl_easy_getinfo(k->curl, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK) {
                err_set(err, ERR_TRANSIENT, "kubernetes API %s: %s", k->cfg->server,
                        resp.failed    ? "answer too large"
                        : k->errbuf[0] ? k->errbuf
                                       : curl_easy_strerror(rc));
                goto out;
        }
        if (resp.data)
                obj = json_tokener_parse(resp.data);
        if (status < 200 || status > 299) {
                status_error(status, method, path, obj, err);
                goto out;
        }
        if (out && !obj) {
                err_set(err, ERR_INTERNAL, "%s %s: the answer is not JSON", method, path);
                goto out;
        }
        if (out) {
                *out = obj;
                obj = NULL;
        }
        ret = (int)status;
out:
        if (k->observe)
                k->observe(k->observe_arg, clock_now() - t0, ret < 0 && err ? err->kind : ERR_NONE);
        json_object_put(obj);
        buf_release(&resp);
        curl_slist_free_all(h);
        return ret;
}

struct watch_state {
        struct buf line;
        kube_watch_fn fn;
        void *arg;
        int ret; /* fn's non-zero answer */
        atomic_int *stop;
        json_tokener *tok;
};

/* Hand one complete line (one JSON event) to the callback. */
static int deliver(struct watch_state *w, const char *s, size_t n)
{
        json_object *ev, *type = NULL, *obj = NULL;
        int r = 0;

        json_tokener_reset(w->tok);
        ev = json_tokener_parse_ex(w->tok, s, (int)n);
        if (!ev)
                return 0; /* a torn or empty line: the relist repairs whatever it carried */
        json_object_object_get_ex(ev, "type", &type);
        json_object_object_get_ex(ev, "object", &obj);
        if (type && obj)
                r = w->fn(w->arg, json_object_get_string(type), obj);
        json_object_put(ev);
        return r;
}

static size_t on_stream(char *p, size_t size, size_t n, void *arg)
{
        struct watch_state *w = arg;
        size_t total = size * n;

        for (size_t i = 0; i < total; i++) {
                if (p[i] != '\n') {
                        if (buf_putc(&w->line, p[i]) < 0)
                                return 0;
                        continue;
                }
                if (w->line.len) {
                        w->ret = deliver(w, w->line.data, w->line.len);
                        buf_reset(&w->line);
                        if (w->ret)
                                return 0;
                }
        }
        return total;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
        struct watch_state *w = arg;

        (void)dt, (void)dn, (void)ut, (void)un;
        return w->stop && atomic_load(w->stop) ? 1 : 0;
}

int kube_watch(struct kube *k, const char *path, kube_watch_fn fn, void *arg, atomic_int *stop,
               struct err *err)
{
        struct watch_state w = {.fn = fn, .arg = arg, .stop = stop};
        struct curl_slist *h;
        CURLcode rc;
        long status = 0;
        int ret = -1;

        h = prepare(k, "GET", path, NULL, err);
        if (!h)
                return -1;
        buf_init(&w.line, EVENT_MAX);
        w.tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
        curl_easy_setopt(k->curl, CURLOPT_WRITEFUNCTION, on_stream);
        curl_easy_setopt(k->curl, CURLOPT_WRITEDATA, &w);
        curl_easy_setopt(k->curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(k->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(k->curl, CURLOPT_XFERINFODATA, &w);
        /* the server ends the watch (timeoutSeconds); this only catches a dead connection */
        curl_easy_setopt(k->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(k->curl, CURLOPT_LOW_SPEED_TIME, 600L);
        rc = curl_easy_perform(k->curl);
        curl_easy_getinfo(k->curl, CURLINFO_RESPONSE_CODE, &status);
        if (w.ret) {
                ret = w.ret;
        } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
                ret = 0; /* stopping */
        } else if (rc != CURLE_OK) {
                err_set(err, ERR_TRANSIENT, "watch %s: %s", path,
                        w.line.failed  ? "event too large"
                        : k->errbuf[0] ? k->errbuf
                                       : curl_easy_strerror(rc));
        } else if (status < 200 || status > 299) {
                json_object *body = w.line.data ? json_tokener_parse(w.line.data) : NULL;
                status_error(status, "GET", path, body, err);
                json_object_put(body);
        } else {
                ret = 0;
        }
        json_tokener_free(w.tok);
        buf_release(&w.line);
        curl_slist_free_all(h);
        return ret;
}

static const char *obj_str(json_object *obj, const char *a, const char *b)
{
        json_object *x = NULL, *y = NULL;

        if (!json_object_object_get_ex(obj, a, &x) || !json_object_object_get_ex(x, b, &y))
                return "";
        return json_object_get_string(y);
}

const char *kube_ns(json_object *obj)
{
        return obj_str(obj, "metadata", "namespace");
}

const char *kube_name(json_object *obj)
{
        return obj_str(obj, "metadata", "name");
}

const char *kube_meta_str(json_object *obj, const char *field)
{
        return obj_str(obj, "metadata", field);
}

long long kube_generation(json_object *obj)
{
        json_object *m = NULL, *g = NULL;

        if (!json_object_object_get_ex(obj, "metadata", &m) ||
            !json_object_object_get_ex(m, "generation", &g))
                return 0;
        return json_object_get_int64(g);
}

void kube_now(char out[32])
{
        struct timespec ts;
        struct tm tm;

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000);
}

double kube_time_parse(const char *s)
{
        struct tm tm = {0};
        double frac = 0;
        const char *p;
        char *end;

        if (!s)
                return -1;
        p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!p)
                return -1;
        if (*p == '.') {
                frac = strtod(p, &end);
                p = end;
        }
        if (*p != 'Z')
                return -1; /* the API server always writes UTC */
        return (double)timegm(&tm) + frac;
}

int kube_query_escape(const char *s, char *out, size_t n)
{
        static const char hex[] = "0123456789ABCDEF";
        size_t o = 0;

        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;
                int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
                /* room for this character and the NUL */
                if (o + (plain ? 1 : 3) >= n)
                        return -1;
                if (plain) {
                        out[o++] = (char)c;
                } else {
                        out[o++] = '%';
                        out[o++] = hex[c >> 4];
                        out[o++] = hex[c & 15];
                }
        }
        if (o >= n)
                return -1;
        out[o] = 0;
        return 0;
}
