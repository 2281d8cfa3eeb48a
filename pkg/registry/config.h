/*
 * The registry's connection settings from a Confluent-style properties file (--registry-config,
 * $SPECMESH_REGISTRY_CONFIG), with the key names Confluent's serializers use:
 *   schema.registry.url
 *   basic.auth.credentials.source             USER_INFO (with basic.auth.user.info) or URL
 *   basic.auth.user.info                      user:password
 *   bearer.auth.credentials.source            STATIC_TOKEN (with bearer.auth.token)
 *   bearer.auth.token
 *   schema.registry.ssl.truststore.location   a PEM file of CA certificates
 *   schema.registry.ssl.truststore.type       PEM (the only type read)
 *   schema.registry.ssl.truststore.certificates  the same as a PEM string
 *   schema.registry.ssl.keystore.location     the client certificate and key: PKCS12, or PEM
 *   schema.registry.ssl.keystore.type         PKCS12 or PEM (key and certificate in one file)
 *   schema.registry.ssl.keystore.password     the PKCS12 password
 *   schema.registry.ssl.key.password          the password of an encrypted PEM key
 *   schema.registry.ssl.endpoint.identification.algorithm  https (default); empty or none: off
 * Any other key is refused, naming it. Pure apart from reading the file; the values are
 * secrets and are never put into messages.
 */
#ifndef PKG_REGISTRY_CONFIG_H
#define PKG_REGISTRY_CONFIG_H

#include <stdbool.h>

struct err;

struct registry_config {
        char *url;           /* schema.registry.url, or NULL */
        char *user;          /* basic auth, or NULL */
        char *password;      /* with user */
        char *token;         /* bearer token, or NULL */
        char *ca_file;       /* CA bundle (PEM file), or NULL */
        char *ca_pem;        /* CA certificates as PEM text, or NULL */
        char *cert_file;     /* client certificate (and key) file, or NULL */
        bool cert_p12;       /* cert_file is PKCS#12 (else PEM with the key inside) */
        char *cert_password; /* PKCS#12 or key password, or NULL */
        bool no_verify_host; /* the host-name check is off */
};

/* Free the strings (wiping the secrets) and zero `c`. */
void registry_config_release(struct registry_config *c);

/*
 * Read `path` into `c` (zeroed first). ERR_NOT_FOUND when it cannot be read; ERR_INVALID
 * naming file, line and key for a line without '=', an unknown key, an unsupported value or
 * settings that contradict each other (basic and bearer auth at once, a source without its
 * credentials). On failure `c` is released.
 */
int registry_config_load(struct registry_config *c, const char *path, struct err *err);

/* The same from text already read (`name` names it in messages). */
int registry_config_parse(struct registry_config *c, const char *name, char *text, struct err *err);

#endif
