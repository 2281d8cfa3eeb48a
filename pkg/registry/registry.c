#include "pkg/registry/registry.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/registry/ccompat.h"
#include "pkg/registry/config.h"
#include "pkg/registry/http.h"
#include "pkg/base/banned.h"

/* Longest request URL (base + encoded path + query). */
#define URL_MAX 8192

struct registry {
        CURL *curl; /* reused for every request: keeps the connection alive */
        char *url;  /* base URL without userinfo or trailing slash */
        char *user; /* basic auth, or NULL */
        char *password;
        char *ca;                   /* CA bundle path, or NULL for the system default */
        struct registry_config cfg; /* from --registry-config: token, TLS client identity */
        struct curl_slist *headers;
        struct buf body; /* the reply being received, capped at REGISTRY_BODY_MAX */
        char errbuf[CURL_ERROR_SIZE];
        unsigned long requests; /* sent so far, for benchmarks and the operator's metrics */
};

void reply_release(struct reply *rp)
{
        json_object_put(rp->json);
        rp->json = NULL;
        rp->status = 0;
        rp->error_code = 0;
}

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
        struct buf *b = arg;

        /* a short count makes libcurl stop with CURLE_WRITE_ERROR: the cap was hit */
        if (buf_add(b, data, size * n) < 0)
                return 0;
        return size * n;
}

/* Credentials from the URL win; the environment fills in when the URL has none. */
static int take_env_credentials(struct registry *r, struct err *err)
{
        const char *user = getenv("SPECMESH_REGISTRY_USER");
        const char *password = getenv("SPECMESH_REGISTRY_PASSWORD");
        const char *ca = getenv("SPECMESH_REGISTRY_CA");

        if (!r->user && !r->cfg.token && user && *user) {
                r->user = strdup(user);
                r->password = strdup(password ? password : "");
                if (!r->user || !r->password)
                        return err_nomem(err);
        }
        if (ca && *ca && !r->ca) {
                r->ca = strdup(ca);
                if (!r->ca)
                        return err_nomem(err);
        }
        return 0;
}

/* The options --registry-config adds: bearer token, CA as PEM text, client certificate. */
static void setup_config(struct registry *r)
{
        const struct registry_config *cfg = &r->cfg;
        CURL *c = r->curl;

        if (cfg->token) {
                curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
                curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, cfg->token);
        }
        if (cfg->ca_pem) {
                struct curl_blob blob = {
                    .data = cfg->ca_pem, .len = strlen(cfg->ca_pem), .flags = CURL_BLOB_COPY};
                curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
        }
        if (cfg->cert_file) {
                curl_easy_setopt(c, CURLOPT_SSLCERT, cfg->cert_file);
                curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, cfg->cert_p12 ? "P12" : "PEM");
                if (!cfg->cert_p12)
                        curl_easy_setopt(c, CURLOPT_SSLKEY, cfg->cert_file);
                if (cfg->cert_password)
                        curl_easy_setopt(c, CURLOPT_KEYPASSWD, cfg->cert_password);
        }
        if (cfg->no_verify_host)
                curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
}

/* Options that stay the same for every request. */
static int setup_handle(struct registry *r, struct err *err)
{
        static const char *const headers[] = {
            "Accept: application/json", "Content-Type: application/vnd.schemaregistry.v1+json",
            "Expect:", /* no 100-continue round trip before a POST body */
        };
        CURL *c = r->curl;

        for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
                struct curl_slist *h = curl_slist_append(r->headers, headers[i]);

                if (!h)
                        return err_nomem(err);
                r->headers = h;
        }
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, r->headers);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
        /* nothing at all for 5 s: a lost answer (see registry_call), not a slow one */
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 5L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->errbuf);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "specmesh");
        if (r->user) {
                curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
                curl_easy_setopt(c, CURLOPT_USERNAME, r->user);
                curl_easy_setopt(c, CURLOPT_PASSWORD, r->password);
        }
        if (r->ca)
                curl_easy_setopt(c, CURLOPT_CAINFO, r->ca);
        setup_config(r);
        return 0;
}

/* Basic auth and the CA bundle of the config file, where the URL gave none. */
static int take_config(struct registry *r, struct err *err)
{
        if (!r->user && r->cfg.user) {
                r->user = strdup(r->cfg.user);
                r->password = strdup(r->cfg.password);
                if (!r->user || !r->password)
                        return err_nomem(err);
        }
        if (r->user && r->cfg.token)
                return err_set(err, ERR_INVALID,
                               "schema registry %s: bearer.auth.token and credentials in the URL "
                               "or SPECMESH_REGISTRY_USER: give one of them",
                               r->url);
        if (r->cfg.ca_file && !(r->ca = strdup(r->cfg.ca_file)))
                return err_nomem(err);
        return 0;
}

struct registry *registry_open(const char *base_url, const char *config_file, struct err *err)
{
        struct registry *r = calloc(1, sizeof(*r));

        if (!r) {
                err_nomem(err);
                return NULL;
        }
        buf_init(&r->body, REGISTRY_BODY_MAX);
        if (config_file && registry_config_load(&r->cfg, config_file, err) < 0)
                goto fail;
        if (!base_url)
                base_url = r->cfg.url;
        if (!base_url) {
                err_set(err, ERR_INVALID,
                        "registry config '%s': no schema.registry.url (or pass "
                        "--registry-url)",
                        config_file ? config_file : "");
                goto fail;
        }
        if (ccompat_split_url(base_url, &r->url, &r->user, &r->password, err) < 0)
                goto fail;
        if (take_config(r, err) < 0 || take_env_credentials(r, err) < 0)
                goto fail;
        r->curl = curl_easy_init();
        if (!r->curl) {
                err_set(err, ERR_INTERNAL, "schema registry %s: cannot initialise libcurl", r->url);
                goto fail;
        }
        if (setup_handle(r, err) < 0)
                goto fail;
        return r;
fail:
        registry_free(r);
        return NULL;
}

struct registry *registry_new(const char *base_url, struct err *err)
{
        return registry_open(base_url, NULL, err);
}

void registry_free(struct registry *r)
{
        if (!r)
                return;
        if (r->curl)
                curl_easy_cleanup(r->curl);
        curl_slist_free_all(r->headers);
        buf_release(&r->body);
        free(r->url);
        free(r->user);
        if (r->password)
                memset(r->password, 0, strlen(r->password));
        free(r->password);
        free(r->ca);
        registry_config_release(&r->cfg);
        free(r);
}

const char *registry_url(const struct registry *r)
{
        return r->url;
}

/* Per-request options: URL, method and body. */
static int prepare(struct registry *r, const char *method, const char *path, const char *body,
                   struct err *err)
{
        char url[URL_MAX];
        int n = snprintf(url, sizeof(url), "%s%s", r->url, path);

        if (n < 0 || (size_t)n >= sizeof(url))
                return err_set(err, ERR_INVALID, "schema registry %s: request path too long",
                               r->url);
        buf_reset(&r->body);
        r->errbuf[0] = '\0';
        curl_easy_setopt(r->curl, CURLOPT_URL, url);
        curl_easy_setopt(r->curl, CURLOPT_HTTPGET, 1L); /* resets POST state from before */
        curl_easy_setopt(r->curl, CURLOPT_CUSTOMREQUEST, NULL);
        if (body) {
                curl_easy_setopt(r->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
                curl_easy_setopt(r->curl, CURLOPT_COPYPOSTFIELDS, body);
        }
        if (strcmp(method, body ? "POST" : "GET") != 0)
                curl_easy_setopt(r->curl, CURLOPT_CUSTOMREQUEST, method);
        return 0;
}

int registry_call(struct registry *r, const char *method, const char *path, const char *body,
                  struct reply *rp, struct err *err)
{
        CURLcode rc;
        long os_errno = 0;

        reply_release(rp);
        if (prepare(r, method, path, body, err) < 0)
                return -1;
        r->requests++;
        rc = curl_easy_perform(r->curl);
        if (rc == CURLE_OPERATION_TIMEDOUT && r->body.len == 0) {
                /*
                 * Apicurio 3.3 now and then never answers a request on a kept-alive connection
                 * (seen under load here: the access log shows the 200, no byte arrives). Every
                 * request we send is idempotent (GET, PUT config, DELETE, and POST of a schema,
                 * which returns the existing id), so send it once more on a new connection.
                 */
                curl_easy_setopt(r->curl, CURLOPT_FRESH_CONNECT, 1L);
                r->requests++;
                rc = curl_easy_perform(r->curl);
                curl_easy_setopt(r->curl, CURLOPT_FRESH_CONNECT, 0L);
        }
        if (rc != CURLE_OK) {
                curl_easy_getinfo(r->curl, CURLINFO_OS_ERRNO, &os_errno);
                return ccompat_curl_error((int)rc, (int)os_errno, r->url, r->errbuf, err);
        }
        curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &rp->status);
        rp->json = ccompat_parse(r->body.data, r->body.len);
        if (rp->status >= 200 && rp->status < 300)
                return 0;
        rp->error_code = ccompat_error_code(rp->json);
        ccompat_http_error(rp->status, rp->json, r->body.data, err);
        /* whose problem: the registry's or its gate's (no JSON: a proxy), not the subject's */
        if (err && (err->kind == ERR_AUTH || err->kind == ERR_TRANSIENT || !rp->json))
                err_prefix(err, "schema registry %s", r->url);
        return -1;
}

unsigned long registry_request_count(const struct registry *r)
{
        return r ? r->requests : 0;
}
