#include "pkg/kwire/ktls.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "pkg/base/err.h"
#include "pkg/kwire/props.h"
#include "pkg/base/banned.h"

/*
 * ERR_INVALID "kafka config KEY 'WHAT': MSG (OpenSSL's reason)", clearing OpenSSL's error
 * queue. `what` (a file) may be NULL.
 */
static int fail(struct err *err, const char *key, const char *what, const char *msg)
{
        unsigned long e = ERR_peek_last_error();
        const char *r = e ? ERR_reason_error_string(e) : NULL;
        char why[300];

        snprintf(why, sizeof(why), "%s%s%s%s", msg, r ? " (" : "", r ? r : "", r ? ")" : "");
        ERR_clear_error();
        if (what)
                return err_set(err, ERR_INVALID, "kafka config %s '%s': %s", key, what, why);
        return err_set(err, ERR_INVALID, "kafka config %s: %s", key, why);
}

static int password_cb(char *buf, int size, int rwflag, void *userdata)
{
        const char *pw = userdata ? userdata : "";
        size_t n = strlen(pw);

        (void)rwflag;
        if (n >= (size_t)size)
                return 0;
        memcpy(buf, pw, n);
        return (int)n;
}

/* A BIO over a file, or over the text of a *.pem property. */
static BIO *open_bio(const char *file, const char *pem)
{
        return file ? BIO_new_file(file, "r") : BIO_new_mem_buf(pem, -1);
}

static int load_ca_pem(SSL_CTX *ctx, const char *pem, struct err *err)
{
        BIO *bio = BIO_new_mem_buf(pem, -1);
        STACK_OF(X509_INFO) *infos = bio ? PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL) : NULL;
        X509_STORE *store = SSL_CTX_get_cert_store(ctx);
        int added = 0;

        for (int i = 0; infos && i < sk_X509_INFO_num(infos); i++) {
                X509_INFO *xi = sk_X509_INFO_value(infos, i);
                if (xi->x509 && X509_STORE_add_cert(store, xi->x509) == 1)
                        added++;
        }
        sk_X509_INFO_pop_free(infos, X509_INFO_free);
        BIO_free(bio);
        if (!added)
                return fail(err, "ssl.ca.pem", NULL, "no PEM certificate in it");
        return 0;
}

static int load_ca(SSL_CTX *ctx, const struct kprops *p, struct err *err)
{
        const char *loc = kprops_get(p, "ssl.ca.location");
        const char *pem = kprops_get(p, "ssl.ca.pem");
        struct stat st;
        int ok;

        if (pem)
                return load_ca_pem(ctx, pem, err);
        if (!loc || strcmp(loc, "probe") == 0)
                ok = SSL_CTX_set_default_verify_paths(ctx);
        else if (stat(loc, &st) == 0 && S_ISDIR(st.st_mode))
                ok = SSL_CTX_load_verify_locations(ctx, NULL, loc);
        else
                ok = SSL_CTX_load_verify_locations(ctx, loc, NULL);
        if (ok != 1)
                return fail(err, "ssl.ca.location", loc ? loc : "(system default)",
                            "cannot load the CA certificates");
        return 0;
}

/* The client certificate must be in its validity period: refuse it here, not at the broker. */
static int check_validity(X509 *cert, const char *key, struct err *err)
{
        const ASN1_TIME *until = X509_get0_notAfter(cert), *from = X509_get0_notBefore(cert);
        char when[64] = "";
        BIO *b = BIO_new(BIO_s_mem());
        bool expired = X509_cmp_current_time(until) < 0;
        bool early = X509_cmp_current_time(from) > 0;
        int n;

        if (!expired && !early) {
                BIO_free(b);
                return 0;
        }
        if (b && ASN1_TIME_print(b, expired ? until : from) == 1) {
                n = BIO_read(b, when, sizeof(when) - 1);
                when[n > 0 ? n : 0] = '\0';
        }
        BIO_free(b);
        return err_set(err, ERR_INVALID, "kafka config %s: the client certificate %s %s", key,
                       expired ? "expired on" : "is not valid before", when);
}

static int load_cert_pem(SSL_CTX *ctx, const char *key, BIO *bio, struct err *err)
{
        X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL), *extra;

        if (!cert)
                return fail(err, key, NULL, "no PEM certificate in it");
        if (check_validity(cert, key, err) < 0) {
                X509_free(cert);
                return -1;
        }
        if (SSL_CTX_use_certificate(ctx, cert) != 1) {
                X509_free(cert);
                return fail(err, key, NULL, "certificate refused");
        }
        X509_free(cert);
        /* the rest of the file is the chain up to the CA */
        while ((extra = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
                if (SSL_CTX_add0_chain_cert(ctx, extra) != 1)
                        X509_free(extra);
        ERR_clear_error(); /* the end of the file reads as "no start line" */
        return 0;
}

static int load_key_pem(SSL_CTX *ctx, const char *key, BIO *bio, const char *pw, struct err *err)
{
        EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, password_cb, (void *)pw);
        int ok;

        if (!pkey)
                return fail(err, key, NULL,
                            pw ? "cannot read the private key: is ssl.key.password right?"
                               : "cannot read the private key: if it is encrypted, set "
                                 "ssl.key.password");
        ok = SSL_CTX_use_PrivateKey(ctx, pkey);
        EVP_PKEY_free(pkey);
        if (ok != 1)
                return fail(err, key, NULL, "the key does not match the client certificate");
        return 0;
}

static int load_pem_identity(SSL_CTX *ctx, const struct kprops *p, struct err *err)
{
        const char *cfile = kprops_get(p, "ssl.certificate.location");
        const char *kfile = kprops_get(p, "ssl.key.location");
        const char *ckey = cfile ? "ssl.certificate.location" : "ssl.certificate.pem";
        const char *kkey = kfile ? "ssl.key.location" : "ssl.key.pem";
        BIO *cb = open_bio(cfile, kprops_get(p, "ssl.certificate.pem"));
        BIO *kb = open_bio(kfile, kprops_get(p, "ssl.key.pem"));
        int rc = -1;

        if (!cb)
                fail(err, ckey, cfile, "cannot open");
        else if (!kb)
                fail(err, kkey, kfile, "cannot open");
        else if (load_cert_pem(ctx, ckey, cb, err) == 0 &&
                 load_key_pem(ctx, kkey, kb, kprops_get(p, "ssl.key.password"), err) == 0)
                rc = 0;
        BIO_free(cb);
        BIO_free(kb);
        return rc;
}

static int load_pkcs12(SSL_CTX *ctx, const char *file, const char *pw, struct err *err)
{
        BIO *bio = BIO_new_file(file, "rb");
        PKCS12 *p12 = bio ? d2i_PKCS12_bio(bio, NULL) : NULL;
        EVP_PKEY *pkey = NULL;
        X509 *cert = NULL;
        STACK_OF(X509) *chain = NULL;
        int rc = -1;

        BIO_free(bio);
        if (!p12)
                return fail(err, "ssl.keystore.location", file, "cannot read PKCS#12");
        if (PKCS12_parse(p12, pw ? pw : "", &pkey, &cert, &chain) != 1 || !pkey || !cert)
                fail(err, "ssl.keystore.location", file,
                     "cannot decrypt it: is ssl.keystore.password right?");
        else if (check_validity(cert, "ssl.keystore.location", err) == 0) {
                if (SSL_CTX_use_certificate(ctx, cert) != 1 ||
                    SSL_CTX_use_PrivateKey(ctx, pkey) != 1)
                        fail(err, "ssl.keystore.location", file, "refused");
                else
                        rc = 0;
                for (int i = 0; rc == 0 && chain && i < sk_X509_num(chain); i++)
                        SSL_CTX_add1_chain_cert(ctx, sk_X509_value(chain, i));
        }
        sk_X509_pop_free(chain, X509_free);
        X509_free(cert);
        EVP_PKEY_free(pkey);
        PKCS12_free(p12);
        return rc;
}

static int load_identity(SSL_CTX *ctx, const struct kprops *p, struct err *err)
{
        const char *store = kprops_get(p, "ssl.keystore.location");

        if (store)
                return load_pkcs12(ctx, store, kprops_get(p, "ssl.keystore.password"), err);
        if (!kprops_get(p, "ssl.certificate.location") && !kprops_get(p, "ssl.certificate.pem"))
                return 0;
        if (load_pem_identity(ctx, p, err) < 0)
                return -1;
        if (SSL_CTX_check_private_key(ctx) != 1)
                return fail(err,
                            kprops_get(p, "ssl.key.location") ? "ssl.key.location" : "ssl.key.pem",
                            NULL, "the key does not match the client certificate");
        return 0;
}

SSL_CTX *ktls_context(const struct kprops *p, struct err *err)
{
        SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

        if (!ctx) {
                err_nomem(err);
                return NULL;
        }
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        if (load_ca(ctx, p, err) < 0 || load_identity(ctx, p, err) < 0) {
                SSL_CTX_free(ctx);
                ERR_clear_error();
                return NULL;
        }
        return ctx;
}
