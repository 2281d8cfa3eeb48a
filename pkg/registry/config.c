#include "pkg/registry/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/pem.h"
#include "pkg/base/str.h"
#include "pkg/base/banned.h"

enum key {
        K_URL,
        K_BASIC_SOURCE,
        K_USER_INFO,
        K_BEARER_SOURCE,
        K_TOKEN,
        K_TRUST_LOCATION,
        K_TRUST_TYPE,
        K_TRUST_PEM,
        K_KEYSTORE_LOCATION,
        K_KEYSTORE_TYPE,
        K_KEYSTORE_PASSWORD,
        K_KEY_PASSWORD,
        K_IDENT,
        K_COUNT
};

static const char *const names[K_COUNT] = {
    "schema.registry.url",
    "basic.auth.credentials.source",
    "basic.auth.user.info",
    "bearer.auth.credentials.source",
    "bearer.auth.token",
    "schema.registry.ssl.truststore.location",
    "schema.registry.ssl.truststore.type",
    "schema.registry.ssl.truststore.certificates",
    "schema.registry.ssl.keystore.location",
    "schema.registry.ssl.keystore.type",
    "schema.registry.ssl.keystore.password",
    "schema.registry.ssl.key.password",
    "schema.registry.ssl.endpoint.identification.algorithm",
};

static void wipe_free(char *s)
{
        if (s)
                memset(s, 0, strlen(s));
        free(s);
}

void registry_config_release(struct registry_config *c)
{
        free(c->url);
        wipe_free(c->user);
        wipe_free(c->password);
        wipe_free(c->token);
        free(c->ca_file);
        free(c->ca_pem);
        free(c->cert_file);
        wipe_free(c->cert_password);
        memset(c, 0, sizeof(*c));
}

static char *trim(char *s)
{
        char *end;

        while (isspace((unsigned char)*s))
                s++;
        end = s + strlen(s);
        while (end > s && isspace((unsigned char)end[-1]))
                *--end = '\0';
        return s;
}

/* One line into `v` (values borrowed from the text). */
static int parse_line(const char *name, char *line, int no, const char **v, struct err *err)
{
        char *s = trim(line), *eq, *key;

        if (!*s || *s == '#' || *s == '!')
                return 0;
        eq = strchr(s, '=');
        if (!eq)
                return err_set(err, ERR_INVALID, "%s:%d: expected key=value", name, no);
        *eq = '\0';
        key = trim(s);
        for (int k = 0; k < K_COUNT; k++) {
                if (strcmp(key, names[k]) == 0) {
                        v[k] = trim(eq + 1);
                        return 0;
                }
        }
        return err_set(err, ERR_INVALID,
                       "%s:%d: registry config %s: not supported (see docs/connect.md)", name, no,
                       key);
}

/*
 * A line ending with a backslash continues on the next one, its leading blanks dropped (Java
 * properties), so that a PEM string may span lines. In place.
 */
static void join_continuations(char *text)
{
        char *r = text, *w = text;

        while (*r) {
                size_t blanks = strspn(r + 1, " \t\r");
                if (*r == '\\' && r[1 + blanks] == '\n') {
                        r += 2 + blanks;
                        r += strspn(r, " \t");
                        continue;
                }
                *w++ = *r++;
        }
        *w = '\0';
}

static int bad(struct err *err, const char *name, int k, const char *why)
{
        return err_set(err, ERR_INVALID, "%s: registry config %s: %s", name, names[k], why);
}

/* basic.auth.* and bearer.auth.* into c->user/password/token. */
static int take_auth(struct registry_config *c, const char *name, const char **v, struct err *err)
{
        const char *colon;

        if (v[K_BASIC_SOURCE] && !str_eq(v[K_BASIC_SOURCE], "USER_INFO") &&
            !str_eq(v[K_BASIC_SOURCE], "URL"))
                return bad(err, name, K_BASIC_SOURCE, "only USER_INFO or URL are supported");
        if (v[K_BEARER_SOURCE] && !str_eq(v[K_BEARER_SOURCE], "STATIC_TOKEN"))
                return bad(err, name, K_BEARER_SOURCE, "only STATIC_TOKEN is supported");
        if (v[K_USER_INFO] && str_eq(v[K_BASIC_SOURCE], "URL"))
                return bad(err, name, K_USER_INFO, "basic.auth.credentials.source is URL");
        if (v[K_USER_INFO] && v[K_TOKEN])
                return bad(err, name, K_TOKEN, "set together with basic.auth.user.info");
        if (str_eq(v[K_BASIC_SOURCE], "USER_INFO") && !v[K_USER_INFO])
                return bad(err, name, K_USER_INFO, "missing (the source is USER_INFO)");
        if (v[K_BEARER_SOURCE] && !v[K_TOKEN])
                return bad(err, name, K_TOKEN, "missing (the source is STATIC_TOKEN)");
        if (v[K_TOKEN] && !*v[K_TOKEN])
                return bad(err, name, K_TOKEN, "empty");
        if (v[K_USER_INFO]) {
                colon = strchr(v[K_USER_INFO], ':');
                if (!colon || colon == v[K_USER_INFO])
                        return bad(err, name, K_USER_INFO, "expected user:password");
                c->user = str_ndup(v[K_USER_INFO], (size_t)(colon - v[K_USER_INFO]));
                c->password = str_dup(colon + 1);
                if (!c->user || !c->password)
                        return err_nomem(err);
        }
        if (v[K_TOKEN] && !(c->token = str_dup(v[K_TOKEN])))
                return err_nomem(err);
        return 0;
}

static int take_tls(struct registry_config *c, const char *name, const char **v, struct err *err)
{
        const char *ks = v[K_KEYSTORE_TYPE], *id = v[K_IDENT];

        if (v[K_TRUST_TYPE] && !str_eq(v[K_TRUST_TYPE], "PEM"))
                return bad(err, name, K_TRUST_TYPE,
                           "only PEM is read (convert a JKS or PKCS12 truststore to PEM)");
        if (v[K_TRUST_PEM] && !(c->ca_pem = pem_normalize(v[K_TRUST_PEM])))
                return bad(err, name, K_TRUST_PEM, "no complete PEM block in it");
        if (v[K_TRUST_LOCATION] && v[K_TRUST_PEM])
                return bad(err, name, K_TRUST_PEM, "set together with the truststore location");
        if (ks && !str_eq(ks, "PKCS12") && !str_eq(ks, "PEM"))
                return bad(err, name, K_KEYSTORE_TYPE, "only PKCS12 or PEM");
        if ((ks || v[K_KEYSTORE_PASSWORD] || v[K_KEY_PASSWORD]) && !v[K_KEYSTORE_LOCATION])
                return bad(err, name, K_KEYSTORE_LOCATION, "missing");
        if (id && *id && !str_eq(id, "https") && !str_eq(id, "none"))
                return bad(err, name, K_IDENT, "https, none or empty");
        c->no_verify_host = id && (!*id || str_eq(id, "none"));
        c->cert_p12 = !ks || str_eq(ks, "PKCS12");
        if (v[K_KEYSTORE_LOCATION] && ks == NULL && str_ends_with(v[K_KEYSTORE_LOCATION], ".pem"))
                c->cert_p12 = false;
        if ((v[K_TRUST_LOCATION] && !(c->ca_file = str_dup(v[K_TRUST_LOCATION]))) ||
            (v[K_KEYSTORE_LOCATION] && !(c->cert_file = str_dup(v[K_KEYSTORE_LOCATION]))))
                return err_nomem(err);
        id = c->cert_p12 ? v[K_KEYSTORE_PASSWORD] : v[K_KEY_PASSWORD];
        if (id && !(c->cert_password = str_dup(id)))
                return err_nomem(err);
        return 0;
}

int registry_config_parse(struct registry_config *c, const char *name, char *text, struct err *err)
{
        const char *v[K_COUNT] = {0};
        char *line, *next;
        int no = 1;

        memset(c, 0, sizeof(*c));
        join_continuations(text);
        for (line = text; line; line = next, no++) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (parse_line(name, line, no, v, err) < 0)
                        return -1;
        }
        if (v[K_URL] && !(c->url = str_dup(v[K_URL])))
                err_nomem(err);
        else if (take_auth(c, name, v, err) == 0 && take_tls(c, name, v, err) == 0)
                return 0;
        registry_config_release(c);
        return -1;
}

int registry_config_load(struct registry_config *c, const char *path, struct err *err)
{
        char *text = str_read_file(path, 1u << 20, NULL);
        int rc;

        memset(c, 0, sizeof(*c));
        if (!text)
                return err_set(err, ERR_NOT_FOUND, "registry config '%s': %s", path,
                               strerror(errno));
        rc = registry_config_parse(c, path, text, err);
        memset(text, 0, strlen(text)); /* it holds the secrets */
        free(text);
        return rc;
}
