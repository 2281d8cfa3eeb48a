/*
 * The client side of SASL SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677), as a pure state
 * machine over strings: client-first, then client-final from the server-first message, then the
 * check of the server's signature. The nonce can be replaced, so tests replay the RFC's vectors.
 * Crypto from OpenSSL (PBKDF2, HMAC, SHA-2).
 */
#ifndef PKG_KWIRE_SCRAM_H
#define PKG_KWIRE_SCRAM_H

#include <stddef.h>

struct err;

struct scram {
        const void *md; /* EVP_MD */
        char *user;     /* saslname-escaped */
        char *password;
        char *client_first_bare;
        char *auth_message;
        unsigned char server_signature[64];
        size_t hlen;
};

/*
 * Start an exchange for `mechanism` ("SCRAM-SHA-256" or "SCRAM-SHA-512") with a random nonce.
 * Returns 0, or -1 with `err` set for an unknown mechanism, no randomness or no memory.
 */
int scram_init(struct scram *s, const char *mechanism, const char *user, const char *password,
               struct err *err);

/* Use `nonce` instead of the random one (tests replay the RFC's vectors). -1: no memory. */
int scram_set_nonce(struct scram *s, const char *nonce);

void scram_release(struct scram *s);

/* "n,,n=<user>,r=<nonce>". Caller frees. */
char *scram_client_first(struct scram *s);

/*
 * The client-final message answering `server_first`, with the proof. Fails (NULL, `err` set)
 * when the server's message is malformed or its nonce does not extend ours. Caller frees.
 */
char *scram_client_final(struct scram *s, const char *server_first, struct err *err);

/* Check "v=<signature>" (or "e=<error>") from the server. Returns 0 or -1 with `err` set. */
int scram_verify(struct scram *s, const char *server_final, struct err *err);

#endif
