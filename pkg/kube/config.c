/*
 * Where the API server is and how to authenticate: a kubeconfig's current context, or the
 * in-cluster service account.
 */
#include "pkg/kube/kube.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/evp.h>

#include "pkg/yaml/diag.h"
#include "pkg/yaml/ytree.h"
#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/banned.h"

#define SA_DIR         "/var/run/secrets/kubernetes.io/serviceaccount"
#define KUBECONFIG_MAX (4u << 20)

void kube_config_release(struct kube_config *c)
{
        free(c->server);
        free(c->token);
        free(c->token_file);
        free(c->ca_pem);
        free(c->cert_pem);
        free(c->key_pem);
        free(c->namespace);
        free(c->source);
        memset(c, 0, sizeof(*c));
}

/* Read a whole small file. NULL with `err` naming it on failure. */
static char *slurp(const char *path, size_t *len, struct err *err)
{
        char *s = str_read_file(path, KUBECONFIG_MAX, len);

        if (!s)
                err_set(err, ERR_INVALID, "%s: %s", path, strerror(errno));
        return s;
}

static void rtrim(char *s, char c)
{
        size_t n = strlen(s);

        while (n > 0 && s[n - 1] == c)
                s[--n] = 0;
}

/* Decode base64 (whitespace ignored). NULL when it is not base64. */
static char *unbase64(const char *in)
{
        size_t n = strlen(in), m = 0;
        char *clean = malloc(n + 1);
        unsigned char *out;
        int len;

        if (!clean)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (in[i] != '\n' && in[i] != '\r' && in[i] != ' ' && in[i] != '\t')
                        clean[m++] = in[i];
        clean[m] = 0;
        out = malloc(m / 4 * 3 + 4);
        len = out && m % 4 == 0 ? EVP_DecodeBlock(out, (unsigned char *)clean, (int)m) : -1;
        if (len < 0) {
                free(clean);
                free(out);
                return NULL;
        }
        /* EVP_DecodeBlock counts the padding as data */
        for (size_t i = m; i > 0 && clean[i - 1] == '='; i--)
                len--;
        out[len] = 0;
        free(clean);
        return (char *)out;
}

/* The entry of `list` (a sequence of {name, <field>: {...}}) called `name`, or NULL. */
static const struct ynode *named(const struct ynode *root, const char *list, const char *field,
                                 const char *name)
{
        const struct ynode *seq = ynode_get(root, list);

        if (!seq || seq->type != YNODE_SEQ || !name)
                return NULL;
        for (size_t i = 0; i < seq->len; i++) {
                const char *n = ynode_str(seq->items[i], "name");
                if (n && strcmp(n, name) == 0)
                        return ynode_get(seq->items[i], field);
        }
        return NULL;
}

/* A path in a kubeconfig is relative to the kubeconfig's directory. */
static char *resolve(const char *file, const char *path)
{
        const char *slash = strrchr(file, '/');

        if (path[0] == '/' || !slash)
                return str_dup(path);
        return str_printf("%.*s/%s", (int)(slash - file), file, path);
}

/*
 * Take PEM material from `<field>-data` (base64) or `<field>` (a file). Leaves *out NULL when
 * neither is set. Returns -1 with `err` naming the field when it is unreadable.
 */
static int pem_field(const struct ynode *n, const char *file, const char *field, char **out,
                     struct err *err)
{
        char key[64];
        const char *v;

        snprintf(key, sizeof(key), "%s-data", field);
        v = ynode_str(n, key);
        if (v) {
                *out = unbase64(v);
                if (!*out)
                        return err_set(err, ERR_INVALID, "%s: %s is not base64", file, key);
                return 0;
        }
        v = ynode_str(n, field);
        if (v) {
                char *p = resolve(file, v);
                size_t len;
                *out = p ? slurp(p, &len, err) : NULL;
                free(p);
                if (!*out)
                        return err_prefix(err, "%s: %s", file, field);
        }
        return 0;
}

static int parse_user(struct kube_config *c, const char *file, const struct ynode *u,
                      struct err *err)
{
        const char *v;

        if (!u)
                return 0; /* anonymous */
        if ((v = ynode_str(u, "token")))
                c->token = str_dup(v);
        if ((v = ynode_str(u, "tokenFile")))
                c->token_file = resolve(file, v);
        if (pem_field(u, file, "client-certificate", &c->cert_pem, err) < 0 ||
            pem_field(u, file, "client-key", &c->key_pem, err) < 0)
                return -1;
        if (ynode_get(u, "exec") || ynode_get(u, "auth-provider"))
                if (!c->token && !c->token_file && !c->cert_pem)
                        return err_set(err, ERR_INVALID,
                                       "%s: exec and auth-provider credentials are not "
                                       "supported; use a token or a client certificate",
                                       file);
        return 0;
}

int kube_config_parse(struct kube_config *c, const char *file, const char *text, size_t len,
                      struct err *err)
{
        struct diags d;
        struct ynode *root;
        const struct ynode *ctx, *cluster;
        const char *cur, *server, *v;
        int rc = -1;

        memset(c, 0, sizeof(*c));
        diags_init(&d);
        root = ytree_parse(file, text, len, &d);
        if (!root) {
                const struct diag *first = d.items.len ? d.items.items[0] : NULL;
                err_set(err, ERR_INVALID, "%s:%d: %s", file, first ? first->line : 0,
                        first ? first->msg : "not YAML");
                goto out;
        }
        cur = ynode_str(root, "current-context");
        ctx = named(root, "contexts", "context", cur);
        if (!ctx) {
                err_set(err, ERR_INVALID, "%s: current-context '%s' names no context", file,
                        cur ? cur : "");
                goto out;
        }
        cluster = named(root, "clusters", "cluster", ynode_str(ctx, "cluster"));
        server = cluster ? ynode_str(cluster, "server") : NULL;
        if (!server || !*server) {
                err_set(err, ERR_INVALID, "%s: cluster '%s' has no server", file,
                        ynode_str(ctx, "cluster") ? ynode_str(ctx, "cluster") : "");
                goto out;
        }
        c->server = str_dup(server);
        rtrim(c->server, '/');
        v = ynode_str(cluster, "insecure-skip-tls-verify");
        c->insecure = v && strcmp(v, "true") == 0;
        if (pem_field(cluster, file, "certificate-authority", &c->ca_pem, err) < 0 ||
            parse_user(c, file, named(root, "users", "user", ynode_str(ctx, "user")), err) < 0)
                goto out;
        if ((v = ynode_str(ctx, "namespace")))
                c->namespace = str_dup(v);
        c->source = str_dup(file);
        rc = 0;
out:
        if (rc < 0)
                kube_config_release(c);
        ynode_free(root);
        diags_release(&d);
        return rc;
}

static int load_file(struct kube_config *c, const char *path, struct err *err)
{
        size_t len;
        char *text = slurp(path, &len, err);
        int rc;

        if (!text)
                return err_prefix(err, "kubeconfig");
        rc = kube_config_parse(c, path, text, len, err);
        free(text);
        return rc;
}

static int load_in_cluster(struct kube_config *c, const char *host, struct err *err)
{
        const char *port = getenv("KUBERNETES_SERVICE_PORT");
        size_t len;

        memset(c, 0, sizeof(*c));
        c->server = str_printf(strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host,
                               port ? port : "443");
        c->token_file = str_dup(SA_DIR "/token");
        c->ca_pem = slurp(SA_DIR "/ca.crt", &len, err);
        if (!c->ca_pem) {
                kube_config_release(c);
                return err_prefix(err, "in-cluster config");
        }
        c->namespace = slurp(SA_DIR "/namespace", &len, err);
        if (c->namespace)
                rtrim(c->namespace, '\n');
        c->source = str_dup("in-cluster service account");
        return 0;
}

int kube_config_load(struct kube_config *c, const char *path, struct err *err)
{
        const char *env = getenv("KUBECONFIG");
        const char *host = getenv("KUBERNETES_SERVICE_HOST");
        const char *home = getenv("HOME");
        char *def;
        int rc;

        if (path && *path)
                return load_file(c, path, err);
        if (env && *env) {
                /* a list is allowed by kubectl; the first file holds the current context */
                char *first = str_dup(env), *colon = strchr(first, ':');
                if (colon)
                        *colon = 0;
                rc = load_file(c, first, err);
                free(first);
                return rc;
        }
        if (host && *host)
                return load_in_cluster(c, host, err);
        def = str_printf("%s/.kube/config", home ? home : "");
        rc = load_file(c, def, err);
        free(def);
        return rc;
}
