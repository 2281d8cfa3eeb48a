#include "pkg/kafka/scramcred.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kafka/internal.h"
#include "pkg/kwire/kconn.h"
#include "pkg/kwire/kproto.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

#define ERR_RESOURCE_NOT_FOUND 91
#define MAX_RESULTS            4096

int scramcred_mech(const char *name)
{
        if (str_eq(name, "SCRAM-SHA-256"))
                return SCRAM_MECH_SHA_256;
        if (str_eq(name, "SCRAM-SHA-512"))
                return SCRAM_MECH_SHA_512;
        return 0;
}

const char *scramcred_mech_name(int mech)
{
        return mech == SCRAM_MECH_SHA_256   ? "SCRAM-SHA-256"
               : mech == SCRAM_MECH_SHA_512 ? "SCRAM-SHA-512"
                                            : "unknown";
}

void scramcred_encode_describe(struct buf *b, int32_t correlation, const char *user)
{
        kw_request_flex(b, KAFKA_API_DESCRIBE_USER_SCRAM_CREDENTIALS, 0, correlation,
                        KCONN_CLIENT_ID);
        kw_carray(b, 1);
        kw_cstr(b, user);
        kw_tags(b);
        kw_tags(b);
        kw_finish(b);
}

/* The error of a result or of the whole response, as `err`. */
static int broker_error(struct err *err, const char *what, const char *user, int16_t code,
                        const char *msg)
{
        if (msg && *msg)
                return err_set(err, kafka_error_kind(code), "%s of user %s: %s: %s (error %d)",
                               what, user, kafka_error_name(code), msg, code);
        return err_set(err, kafka_error_kind(code), "%s of user %s: %s (error %d)", what, user,
                       kafka_error_name(code), code);
}

/* One result: its mechanisms into *mechs when it is `user`'s. */
static int read_result(struct kreader *r, const char *user, unsigned *mechs, struct err *err)
{
        char *name = kr_cstr(r), *msg;
        int16_t code = kr_i16(r);
        int32_t n;
        int rc = 0;

        msg = kr_cstr(r);
        n = kr_ccount(r, 16);
        for (int32_t i = 0; i < n && !r->bad; i++) {
                int8_t mech = kr_i8(r);
                kr_i32(r); /* iterations */
                kr_tags(r);
                if (str_eq(name, user) && mech > 0 && mech < 32)
                        *mechs |= 1u << mech;
        }
        kr_tags(r);
        if (!r->bad && str_eq(name, user) && code != 0 && code != ERR_RESOURCE_NOT_FOUND)
                rc = broker_error(err, "describe SCRAM credentials", user, code, msg);
        free(name);
        free(msg);
        return rc;
}

int scramcred_decode_describe(struct kreader *r, const char *user, unsigned *mechs, struct err *err)
{
        char *msg;
        int16_t code;
        int32_t n;
        int rc = 0;

        *mechs = 0;
        kr_tags(r); /* response header v1 */
        kr_i32(r);  /* throttle */
        code = kr_i16(r);
        msg = kr_cstr(r);
        if (!r->bad && code != 0)
                rc = broker_error(err, "describe SCRAM credentials", user, code, msg);
        free(msg);
        if (rc < 0)
                return -1;
        n = kr_ccount(r, MAX_RESULTS);
        for (int32_t i = 0; i < n && !r->bad && rc == 0; i++)
                rc = read_result(r, user, mechs, err);
        if (rc < 0)
                return -1;
        kr_tags(r);
        if (r->bad)
                return err_set(err, ERR_INTERNAL, "describe SCRAM credentials: malformed response");
        return 0;
}

void scramcred_encode_alter(struct buf *b, int32_t correlation, const struct scramcred_change *c)
{
        kw_request_flex(b, KAFKA_API_ALTER_USER_SCRAM_CREDENTIALS, 0, correlation, KCONN_CLIENT_ID);
        kw_carray(b, c->delete ? 1 : 0); /* deletions */
        if (c->delete) {
                kw_cstr(b, c->user);
                kw_i8(b, (int8_t)c->mech);
                kw_tags(b);
        }
        kw_carray(b, c->delete ? 0 : 1); /* upsertions */
        if (!c->delete) {
                kw_cstr(b, c->user);
                kw_i8(b, (int8_t)c->mech);
                kw_i32(b, c->iterations);
                kw_cbytes(b, c->salt, c->salt_len);
                kw_cbytes(b, c->salted, c->salted_len);
                kw_tags(b);
        }
        kw_tags(b);
        kw_finish(b);
}

int scramcred_decode_alter(struct kreader *r, struct err *err)
{
        int32_t n;
        int rc = 0;

        kr_tags(r); /* response header v1 */
        kr_i32(r);  /* throttle */
        n = kr_ccount(r, MAX_RESULTS);
        for (int32_t i = 0; i < n && !r->bad && rc == 0; i++) {
                char *user = kr_cstr(r), *msg;
                int16_t code = kr_i16(r);
                msg = kr_cstr(r);
                kr_tags(r);
                if (!r->bad && code != 0)
                        rc = broker_error(err, "alter SCRAM credentials", user ? user : "?", code,
                                          msg);
                free(user);
                free(msg);
        }
        if (rc < 0)
                return -1;
        kr_tags(r);
        if (r->bad)
                return err_set(err, ERR_INTERNAL, "alter SCRAM credentials: malformed response");
        return 0;
}

int scramcred_salt_password(int mech, const char *password, const unsigned char *salt,
                            size_t salt_len, int32_t iterations, unsigned char *out, size_t cap)
{
        const EVP_MD *md = mech == SCRAM_MECH_SHA_256   ? EVP_sha256()
                           : mech == SCRAM_MECH_SHA_512 ? EVP_sha512()
                                                        : NULL;
        int len;

        if (!md || iterations <= 0)
                return -1;
        len = EVP_MD_get_size(md);
        if (len <= 0 || (size_t)len > cap)
                return -1;
        if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, iterations, md,
                              len, out) != 1)
                return -1;
        return len;
}

char *scramcred_random_password(struct err *err)
{
        static const char alphabet[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        char *p = calloc(SCRAMCRED_PASSWORD_LEN + 1, 1);
        unsigned char raw[64];
        size_t n = 0;

        if (!p) {
                err_nomem(err);
                return NULL;
        }
        while (n < SCRAMCRED_PASSWORD_LEN) {
                if (RAND_bytes(raw, sizeof(raw)) != 1) {
                        free(p);
                        err_set(err, ERR_INTERNAL, "no randomness for a password (OpenSSL)");
                        return NULL;
                }
                /* 248 = 4 * 62: reject the rest so that every character is equally likely */
                for (size_t i = 0; i < sizeof(raw) && n < SCRAMCRED_PASSWORD_LEN; i++)
                        if (raw[i] < 248)
                                p[n++] = alphabet[raw[i] % 62];
        }
        OPENSSL_cleanse(raw, sizeof(raw));
        return p;
}

/* One round trip of an api-50/51 request built in `req`, decoded by `decode`. */
static int call(struct kconn *c, int16_t api, const char *name, struct buf *req, struct buf *body,
                struct err *err)
{
        if (kconn_version(c, api, 0, 0) < 0)
                return err_set(err, ERR_TERMINAL, "kafka %s: the broker does not support %s v0",
                               c->peer, name);
        return kconn_call(c, req, body, err);
}

int kafka_scram_describe(struct kconn *c, const char *user, unsigned *mechs, struct err *err)
{
        struct buf req, body;
        struct kreader r;
        int rc = -1;

        *mechs = 0;
        buf_init(&req, 4096);
        buf_init(&body, KCONN_FRAME_MAX);
        scramcred_encode_describe(&req, kconn_next_id(c), user);
        if (call(c, KAFKA_API_DESCRIBE_USER_SCRAM_CREDENTIALS, "DescribeUserScramCredentials", &req,
                 &body, err) == 0) {
                kr_init(&r, body.data, body.len);
                rc = scramcred_decode_describe(&r, user, mechs, err);
                if (rc < 0)
                        err_prefix(err, "kafka %s", c->peer);
        }
        buf_release(&req);
        buf_release(&body);
        return rc;
}

static int alter(struct kconn *c, const struct scramcred_change *ch, struct err *err)
{
        struct buf req, body;
        struct kreader r;
        int rc = -1;

        buf_init(&req, 4096);
        buf_init(&body, KCONN_FRAME_MAX);
        scramcred_encode_alter(&req, kconn_next_id(c), ch);
        if (call(c, KAFKA_API_ALTER_USER_SCRAM_CREDENTIALS, "AlterUserScramCredentials", &req,
                 &body, err) == 0) {
                kr_init(&r, body.data, body.len);
                rc = scramcred_decode_alter(&r, err);
                if (rc < 0)
                        err_prefix(err, "kafka %s", c->peer);
        }
        /* the request held the salted password: wipe it */
        if (req.data)
                OPENSSL_cleanse(req.data, req.len);
        buf_release(&req);
        buf_release(&body);
        return rc;
}

int kafka_scram_upsert(struct kconn *c, const char *user, int mech, const char *password,
                       struct err *err)
{
        unsigned char salt[SCRAMCRED_SALT_LEN], salted[64];
        struct scramcred_change ch = {
            .user = user, .mech = mech, .iterations = SCRAMCRED_ITERATIONS};
        int n, rc;

        if (RAND_bytes(salt, sizeof(salt)) != 1)
                return err_set(err, ERR_INTERNAL, "no randomness for a SCRAM salt (OpenSSL)");
        n = scramcred_salt_password(mech, password, salt, sizeof(salt), ch.iterations, salted,
                                    sizeof(salted));
        if (n < 0)
                return err_set(err, ERR_INVALID, "cannot salt a password for mechanism %d", mech);
        ch.salt = salt;
        ch.salt_len = sizeof(salt);
        ch.salted = salted;
        ch.salted_len = (size_t)n;
        rc = alter(c, &ch, err);
        OPENSSL_cleanse(salted, sizeof(salted));
        return rc;
}

int kafka_scram_delete(struct kconn *c, const char *user, int mech, struct err *err)
{
        struct scramcred_change ch = {.user = user, .mech = mech, .delete = 1};
        struct err e2;

        err_clear(&e2);
        if (alter(c, &ch, &e2) == 0)
                return 0;
        /* RESOURCE_NOT_FOUND: the credential was not there, which is what we wanted */
        if (e2.kind == ERR_NOT_FOUND)
                return 0;
        *err = e2;
        return -1;
}

/* Why `domain` may not be a SCRAM user of ours, or NULL when it may. */
static const char *refusal(const char *domain, const char *self)
{
        static const char *const levels[] = {"_public", "_protected", "_private"};
        const char *last = strrchr(domain, '.'), *why = NULL;

        last = last ? last + 1 : domain;
        if (!*domain)
                return "it is empty";
        if (domain[0] == '.' || str_ends_with(domain, ".") || strstr(domain, ".."))
                return "it has an empty segment";
        if (!model_topic_name_valid(domain, &why))
                return why;
        if (strcasecmp(domain, "ANONYMOUS") == 0)
                return "ANONYMOUS is Kafka's unauthenticated principal";
        for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
                if (strcmp(last, levels[i]) == 0)
                        return "it ends in an access-level segment";
        if (self && strcmp(domain, self) == 0)
                return "it is the user specmesh itself connects as";
        return NULL;
}

char *scramcred_user_of(const char *id, const char *self, struct err *err)
{
        char *d =
            str_starts_with(id, "urn:") ? str_replace_char(str_dup(id + 4), ':', '.') : str_dup(id);
        const char *why;

        if (!d) {
                err_nomem(err);
                return NULL;
        }
        why = refusal(d, self);
        if (why) {
                err_set(err, ERR_INVALID, "domain '%s' cannot own a credential: %s", id, why);
                free(d);
                return NULL;
        }
        return d;
}

char *scramcred_jaas(int mech, const char *user, const char *password)
{
        (void)mech; /* one login module serves both SCRAM mechanisms */
        return str_printf("org.apache.kafka.common.security.scram.ScramLoginModule required "
                          "username=\"%s\" password=\"%s\";",
                          user, password);
}

char *scramcred_properties(bool java, int mech, const char *user, const char *password,
                           const char *bootstrap, const char *protocol)
{
        char *jaas = java ? scramcred_jaas(mech, user, password) : NULL;
        struct buf b;

        buf_init(&b, 64 * 1024);
        if (bootstrap)
                buf_printf(&b, "bootstrap.servers=%s\n", bootstrap);
        buf_printf(&b, "security.protocol=%s\n", protocol ? protocol : "SASL_PLAINTEXT");
        if (java)
                buf_printf(&b, "sasl.mechanism=%s\nsasl.jaas.config=%s\n",
                           scramcred_mech_name(mech), jaas ? jaas : "");
        else
                buf_printf(&b, "sasl.mechanisms=%s\nsasl.username=%s\nsasl.password=%s\n",
                           scramcred_mech_name(mech), user, password);
        if (jaas) {
                OPENSSL_cleanse(jaas, strlen(jaas));
                free(jaas);
        }
        if (b.failed || (java && !jaas)) {
                if (b.data)
                        OPENSSL_cleanse(b.data, b.len);
                buf_release(&b);
                return NULL;
        }
        return buf_detach(&b, NULL);
}

int kafka_credential_mechs(struct kafka *k, const char *user, unsigned *mechs, struct err *err)
{
        struct kconn *c = kafka_own_conn(k, err);

        *mechs = 0;
        return c ? kafka_scram_describe(c, user, mechs, err) : -1;
}

int kafka_credential_set(struct kafka *k, const char *user, int mech, const char *password,
                         struct err *err)
{
        struct kconn *c = kafka_own_conn(k, err);

        k->requests++;
        return c ? kafka_scram_upsert(c, user, mech, password, err) : -1;
}

int kafka_credential_delete(struct kafka *k, const char *user, int mech, struct err *err)
{
        struct kconn *c = kafka_own_conn(k, err);

        k->requests++;
        return c ? kafka_scram_delete(c, user, mech, err) : -1;
}

const char *kafka_config_get(const struct kafka *k, const char *key)
{
        return kprops_get(&k->props, key);
}
