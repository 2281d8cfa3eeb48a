#include "pkg/kwire/props.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/pem.h"
#include "pkg/base/str.h"
#include "pkg/base/banned.h"

void kprops_init(struct kprops *p)
{
        strmap_init(&p->kvs, KPROPS_MAX);
}

void kprops_release(struct kprops *p)
{
        strmap_release(&p->kvs);
}

const char *kprops_get(const struct kprops *p, const char *key)
{
        return strmap_get(&p->kvs, key);
}

int kprops_set(struct kprops *p, const char *key, const char *value)
{
        return strmap_set(&p->kvs, key, value);
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

/* Parse one line; `no` is its 1-based number. */
static int load_line(struct kprops *p, const char *path, char *line, int no, struct err *err)
{
        char *s = trim(line), *eq;
        int rc;

        if (!*s || *s == '#' || *s == '!')
                return 0;
        eq = strchr(s, '=');
        if (!eq)
                return err_set(err, ERR_INVALID, "%s:%d: expected key=value", path, no);
        *eq = '\0';
        if (!*trim(s))
                return err_set(err, ERR_INVALID, "%s:%d: empty key", path, no);
        rc = kprops_set(p, trim(s), trim(eq + 1));
        if (rc == STRMAP_FULL)
                return err_set(err, ERR_INVALID, "%s:%d: more than %d properties", path, no,
                               KPROPS_MAX);
        return rc < 0 ? err_nomem(err) : 0;
}

/* Whether the line (trailing blanks ignored) ends with a continuation backslash; drops it. */
static bool continues(char *line)
{
        char *end = line + strlen(line);

        while (end > line && isspace((unsigned char)end[-1]))
                end--;
        if (end == line || end[-1] != '\\')
                return false;
        end[-1] = '\0';
        return true;
}

/*
 * Lines ending with a backslash continue on the next one, its leading blanks dropped (as in
 * Java properties files), so that a PEM string may span lines.
 */
int kprops_load(struct kprops *p, const char *path, struct err *err)
{
        char *text = str_read_file(path, 1u << 20, NULL);
        char *line, *next;
        int no = 1, first = 1, rc = -1;
        struct buf acc;

        if (!text)
                return err_set(err, ERR_NOT_FOUND, "kafka config '%s': %s", path, strerror(errno));
        buf_init(&acc, 1u << 20);
        for (line = text; line; line = next, no++) {
                bool more;
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (acc.len == 0)
                        first = no;
                more = continues(line) && next;
                buf_puts(&acc, acc.len ? line + strspn(line, " \t") : line);
                if (more && !acc.failed)
                        continue;
                if (acc.failed) {
                        err_set(err, ERR_INVALID, "%s:%d: line too long", path, first);
                        goto out;
                }
                if (load_line(p, path, acc.data ? acc.data : line, first, err) < 0)
                        goto out;
                buf_reset(&acc);
        }
        rc = 0;
out:
        buf_release(&acc);
        free(text);
        return rc;
}

void kprops_unset(struct kprops *p, const char *key)
{
        strmap_del(&p->kvs, key);
}

/* --- checking ------------------------------------------------------------------------------ */

/* The ssl.* and sasl.* keys both paths honour (kconn.c and librdkafka alike). */
static const char *const tls_keys[] = {
    "ssl.ca.location",
    "ssl.ca.pem",
    "ssl.certificate.location",
    "ssl.certificate.pem",
    "ssl.key.location",
    "ssl.key.pem",
    "ssl.key.password",
    "ssl.keystore.location",
    "ssl.keystore.password",
    "ssl.endpoint.identification.algorithm",
    "enable.ssl.certificate.verification",
};
static const char *const sasl_keys[] = {"sasl.mechanisms", "sasl.username", "sasl.password"};

/* Java client keys people copy from client.properties, with what to write instead. */
static const struct {
        const char *key, *hint;
} java_keys[] = {
    {"ssl.truststore.location", "ssl.ca.location (a PEM file)"},
    {"ssl.truststore.certificates", "ssl.ca.pem"},
    {"ssl.truststore.password", "ssl.ca.location (a PEM file needs no password)"},
    {"ssl.truststore.type", "ssl.ca.location (a PEM file)"},
    {"ssl.keystore.type", "ssl.keystore.location (PKCS#12) or ssl.certificate.location and "
                          "ssl.key.location (PEM)"},
    {"ssl.keystore.certificate.chain", "ssl.certificate.pem"},
    {"ssl.keystore.key", "ssl.key.pem"},
    {"sasl.jaas.config", "sasl.username and sasl.password"},
};

static bool in(const char *s, const char *const *set, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(s, set[i]) == 0)
                        return true;
        return false;
}

static bool is_tls_key(const char *k)
{
        return str_starts_with(k, "ssl.") || str_starts_with(k, "ssl_") ||
               strcmp(k, "enable.ssl.certificate.verification") == 0;
}

int kprops_tls(const struct kprops *p)
{
        const char *proto = kprops_get(p, "security.protocol");

        return proto && (strcasecmp(proto, "SSL") == 0 || strcasecmp(proto, "SASL_SSL") == 0);
}

const char *kprops_sasl_mechanism(const struct kprops *p)
{
        const char *proto = kprops_get(p, "security.protocol");
        const char *mech = kprops_get(p, "sasl.mechanisms");

        if (!proto || strncasecmp(proto, "SASL_", 5) != 0)
                return NULL;
        return mech ? mech : "PLAIN";
}

/* One key's name against what both paths support, given whether TLS and SASL are on. */
static int check_key(const char *k, bool tls, bool sasl, struct err *err)
{
        for (size_t i = 0; i < sizeof(java_keys) / sizeof(java_keys[0]); i++)
                if (strcmp(k, java_keys[i].key) == 0)
                        return err_set(err, ERR_INVALID,
                                       "kafka config %s: a Java client key; use %s", k,
                                       java_keys[i].hint);
        if (is_tls_key(k) && !in(k, tls_keys, sizeof(tls_keys) / sizeof(tls_keys[0])))
                return err_set(err, ERR_INVALID,
                               "kafka config %s: not supported (see docs/connect.md)", k);
        if (str_starts_with(k, "sasl.") &&
            !in(k, sasl_keys, sizeof(sasl_keys) / sizeof(sasl_keys[0])))
                return err_set(err, ERR_INVALID,
                               "kafka config %s: not supported (see docs/connect.md)", k);
        if (is_tls_key(k) && !tls)
                return err_set(err, ERR_INVALID,
                               "kafka config %s: security.protocol is not SSL or SASL_SSL, so it "
                               "would be ignored",
                               k);
        if (str_starts_with(k, "sasl.") && !sasl)
                return err_set(err, ERR_INVALID,
                               "kafka config %s: security.protocol is not SASL_PLAINTEXT or "
                               "SASL_SSL, so it would be ignored",
                               k);
        return 0;
}

/* The values with a fixed set of choices, and the pairs that exclude each other. */
static int check_values(const struct kprops *p, struct err *err)
{
        static const char *const mechs[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};
        static const char *const excl[][2] = {
            {"ssl.ca.location", "ssl.ca.pem"},
            {"ssl.certificate.location", "ssl.certificate.pem"},
            {"ssl.key.location", "ssl.key.pem"},
            {"ssl.keystore.location", "ssl.certificate.location"},
            {"ssl.keystore.location", "ssl.certificate.pem"},
        };
        const char *mech = kprops_get(p, "sasl.mechanisms");
        const char *ident = kprops_get(p, "ssl.endpoint.identification.algorithm");
        const char *verify = kprops_get(p, "enable.ssl.certificate.verification");
        bool cert =
            kprops_get(p, "ssl.certificate.location") || kprops_get(p, "ssl.certificate.pem");
        bool key = kprops_get(p, "ssl.key.location") || kprops_get(p, "ssl.key.pem");

        if (mech && !in(mech, mechs, 3))
                return err_set(err, ERR_INVALID,
                               "kafka config sasl.mechanisms: '%s' is not supported (PLAIN, "
                               "SCRAM-SHA-256 or SCRAM-SHA-512)",
                               mech);
        if (ident && strcmp(ident, "https") != 0 && strcmp(ident, "none") != 0)
                return err_set(err, ERR_INVALID,
                               "kafka config ssl.endpoint.identification.algorithm: '%s' is not "
                               "https or none",
                               ident);
        if (verify && strcmp(verify, "true") != 0 && strcmp(verify, "false") != 0)
                return err_set(err, ERR_INVALID,
                               "kafka config enable.ssl.certificate.verification: '%s' is not "
                               "true or false",
                               verify);
        for (size_t i = 0; i < sizeof(excl) / sizeof(excl[0]); i++)
                if (kprops_get(p, excl[i][0]) && kprops_get(p, excl[i][1]))
                        return err_set(err, ERR_INVALID,
                                       "kafka config %s: set together with %s; "
                                       "give one of them",
                                       excl[i][1], excl[i][0]);
        if (cert != key)
                return err_set(err, ERR_INVALID,
                               "kafka config %s: a client certificate needs its "
                               "key (ssl.certificate.* and ssl.key.*)",
                               cert ? "ssl.certificate.location" : "ssl.key.location");
        if (kprops_get(p, "ssl.keystore.password") && !kprops_get(p, "ssl.keystore.location"))
                return err_set(err, ERR_INVALID,
                               "kafka config ssl.keystore.password: no ssl.keystore.location");
        return 0;
}

static int check_sasl(const struct kprops *p, struct err *err)
{
        if (!kprops_get(p, "sasl.username"))
                return err_set(err, ERR_INVALID,
                               "kafka config sasl.username: missing (security."
                               "protocol is SASL_*)");
        if (!kprops_get(p, "sasl.password"))
                return err_set(err, ERR_INVALID,
                               "kafka config sasl.password: missing (security."
                               "protocol is SASL_*)");
        return 0;
}

/* Fold aliases and case into the spelling both paths read. */
static int canonical(struct kprops *p, struct err *err)
{
        const char *proto = kprops_get(p, "security.protocol");
        const char *alias = kprops_get(p, "sasl.mechanism");
        static const char *const protos[] = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"};

        if (alias && kprops_get(p, "sasl.mechanisms") &&
            strcmp(alias, kprops_get(p, "sasl.mechanisms")) != 0)
                return err_set(err, ERR_INVALID,
                               "kafka config sasl.mechanism: differs from sasl.mechanisms");
        if (alias && kprops_set(p, "sasl.mechanisms", alias) < 0)
                return err_nomem(err);
        kprops_unset(p, "sasl.mechanism");
        for (size_t i = 0; proto && i < 4; i++)
                if (strcasecmp(proto, protos[i]) == 0)
                        return kprops_set(p, "security.protocol", protos[i]) < 0 ? err_nomem(err)
                                                                                 : 0;
        if (proto)
                return err_set(err, ERR_INVALID,
                               "kafka config security.protocol: '%s' is not PLAINTEXT, SSL, "
                               "SASL_PLAINTEXT or SASL_SSL",
                               proto);
        return 0;
}

/* PEM strings written on one line become PEM text. */
static int normalize_pems(struct kprops *p, struct err *err)
{
        static const char *const pems[] = {"ssl.ca.pem", "ssl.certificate.pem", "ssl.key.pem"};

        for (size_t i = 0; i < 3; i++) {
                const char *v = kprops_get(p, pems[i]);
                char *n;
                int rc;
                if (!v)
                        continue;
                n = pem_normalize(v);
                if (!n)
                        return err_set(
                            err, ERR_INVALID,
                            "kafka config %s: no complete PEM block (-----BEGIN ...----- "
                            "to -----END ...-----)",
                            pems[i]);
                rc = kprops_set(p, pems[i], n);
                free(n);
                if (rc < 0)
                        return err_nomem(err);
        }
        return 0;
}

int kprops_check(struct kprops *p, struct err *err)
{
        bool tls, sasl;

        if (canonical(p, err) < 0)
                return -1;
        tls = kprops_tls(p);
        sasl = kprops_sasl_mechanism(p) != NULL;
        for (size_t i = 0; i < p->kvs.len; i++)
                if (check_key(p->kvs.items[i].key, tls, sasl, err) < 0)
                        return -1;
        if (check_values(p, err) < 0 || (sasl && check_sasl(p, err) < 0))
                return -1;
        if (normalize_pems(p, err) < 0)
                return -1;
        if (tls && !kprops_get(p, "ssl.endpoint.identification.algorithm") &&
            kprops_set(p, "ssl.endpoint.identification.algorithm", "https") < 0)
                return err_nomem(err);
        return 0;
}
