#include "pkg/kwire/scram.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/banned.h"

#define MAX_ITERATIONS 1000000

static char *b64(const unsigned char *p, size_t n)
{
        char *out = malloc(4 * ((n + 2) / 3) + 1);

        if (out)
                EVP_EncodeBlock((unsigned char *)out, p, (int)n);
        return out;
}

/* Decode base64 into `out` (capacity `cap`); returns the length or -1. */
static int unb64(const char *s, unsigned char *out, size_t cap)
{
        size_t n = strlen(s);
        int len;

        if (n == 0 || n % 4 || 3 * (n / 4) > cap)
                return -1;
        len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
        if (len < 0)
                return -1;
        return len - (s[n - 1] == '=') - (s[n - 2] == '=');
}

/* RFC 5802 saslname: '=' -> "=3D", ',' -> "=2C". */
static char *saslname(const char *user)
{
        struct buf b;

        buf_init(&b, 4096);
        for (const char *c = user; *c; c++) {
                if (*c == '=')
                        buf_puts(&b, "=3D");
                else if (*c == ',')
                        buf_puts(&b, "=2C");
                else
                        buf_putc(&b, *c);
        }
        return b.failed ? (buf_release(&b), NULL) : buf_detach(&b, NULL);
}

int scram_set_nonce(struct scram *s, const char *nonce)
{
        char *bare = str_printf("n=%s,r=%s", s->user, nonce);

        if (!bare)
                return -1;
        free(s->client_first_bare);
        s->client_first_bare = bare;
        return 0;
}

int scram_init(struct scram *s, const char *mechanism, const char *user, const char *password,
               struct err *err)
{
        unsigned char raw[18];
        char *nonce;

        memset(s, 0, sizeof(*s));
        if (strcmp(mechanism, "SCRAM-SHA-256") == 0)
                s->md = EVP_sha256();
        else if (strcmp(mechanism, "SCRAM-SHA-512") == 0)
                s->md = EVP_sha512();
        else
                return err_set(err, ERR_INVALID, "unknown SCRAM mechanism '%s'", mechanism);
        s->hlen = (size_t)EVP_MD_size(s->md);
        if (RAND_bytes(raw, sizeof(raw)) != 1)
                return err_set(err, ERR_INTERNAL, "no randomness for the SCRAM nonce");
        nonce = b64(raw, sizeof(raw));
        s->user = saslname(user);
        s->password = str_dup(password);
        if (!nonce || !s->user || !s->password || scram_set_nonce(s, nonce) < 0) {
                free(nonce);
                scram_release(s);
                return err_nomem(err);
        }
        free(nonce);
        return 0;
}

void scram_release(struct scram *s)
{
        free(s->user);
        free(s->password);
        free(s->client_first_bare);
        free(s->auth_message);
        OPENSSL_cleanse(s->server_signature, sizeof(s->server_signature));
        memset(s, 0, sizeof(*s));
}

char *scram_client_first(struct scram *s)
{
        return str_printf("n,,%s", s->client_first_bare);
}

/* The value of attribute `k` ("r", "s", "i") in a server message; NULL when absent. */
static char *attr(const char *msg, char k)
{
        for (const char *p = msg; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
                if (p[0] == k && p[1] == '=')
                        return str_ndup(p + 2, strcspn(p + 2, ","));
        }
        return NULL;
}

/* HMAC with the exchange's hash, keyed with a hash-sized key. */
static void hmac(const struct scram *s, const unsigned char *key, const void *data, size_t n,
                 unsigned char *out)
{
        unsigned int len = 0;

        HMAC(s->md, key, (int)s->hlen, data, n, out, &len);
}

/* ClientProof and ServerSignature from the salted password (RFC 5802 §3). */
static char *prove(struct scram *s, const unsigned char *salted, const char *final_no_proof)
{
        unsigned char ckey[64], stored[64], csig[64], proof[64], skey[64];
        unsigned int len = 0;
        char *p64, *out;

        hmac(s, salted, "Client Key", 10, ckey);
        EVP_Digest(ckey, s->hlen, stored, &len, s->md, NULL);
        hmac(s, stored, s->auth_message, strlen(s->auth_message), csig);
        for (size_t i = 0; i < s->hlen; i++)
                proof[i] = ckey[i] ^ csig[i];
        hmac(s, salted, "Server Key", 10, skey);
        hmac(s, skey, s->auth_message, strlen(s->auth_message), s->server_signature);
        p64 = b64(proof, s->hlen);
        out = p64 ? str_printf("%s,p=%s", final_no_proof, p64) : NULL;
        free(p64);
        OPENSSL_cleanse(ckey, sizeof(ckey));
        return out;
}

char *scram_client_final(struct scram *s, const char *server_first, struct err *err)
{
        char *nonce = attr(server_first, 'r'), *salt64 = attr(server_first, 's');
        char *iters = attr(server_first, 'i'), *final = NULL, *out = NULL;
        const char *cnonce = strstr(s->client_first_bare, ",r=") + 3;
        unsigned char salt[256], salted[64];
        long it = 0;
        int slen = salt64 ? unb64(salt64, salt, sizeof(salt)) : -1;

        if (!nonce || slen < 0 || !iters || str_to_long(iters, 1, MAX_ITERATIONS, &it) < 0 ||
            !str_starts_with(nonce, cnonce) || strlen(nonce) == strlen(cnonce)) {
                err_set(err, ERR_AUTH, "SCRAM: malformed server-first message '%.80s'",
                        server_first);
                goto out;
        }
        final = str_printf("c=biws,r=%s", nonce);
        s->auth_message =
            final ? str_printf("%s,%s,%s", s->client_first_bare, server_first, final) : NULL;
        if (!s->auth_message || !PKCS5_PBKDF2_HMAC(s->password, (int)strlen(s->password), salt,
                                                   slen, (int)it, s->md, (int)s->hlen, salted)) {
                err_nomem(err);
                goto out;
        }
        out = prove(s, salted, final);
        if (!out)
                err_nomem(err);
        OPENSSL_cleanse(salted, sizeof(salted));
out:
        free(nonce);
        free(salt64);
        free(iters);
        free(final);
        return out;
}

int scram_verify(struct scram *s, const char *server_final, struct err *err)
{
        char *e = attr(server_final, 'e'), *v = attr(server_final, 'v');
        unsigned char got[128];
        int n = v ? unb64(v, got, sizeof(got)) : -1, rc = 0;

        if (e)
                rc = err_set(err, ERR_AUTH, "SCRAM: server says %s", e);
        else if (n != (int)s->hlen || CRYPTO_memcmp(got, s->server_signature, s->hlen) != 0)
                rc = err_set(err, ERR_AUTH, "SCRAM: the server's signature does not verify");
        free(e);
        free(v);
        return rc;
}
