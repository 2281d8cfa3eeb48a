/* The SASL part of kconn.h: SaslHandshake, then SaslAuthenticate rounds (PLAIN or SCRAM). */
#include "pkg/kwire/kconn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kwire/kproto.h"
#include "pkg/kwire/props.h"
#include "pkg/kwire/scram.h"
#include "pkg/base/banned.h"

#define TOKEN_MAX ((size_t)64 * 1024)

/* The broker's enabled mechanisms from a refused handshake, "A, B" into `out`. */
static void mechanisms(struct kreader *r, struct buf *out)
{
        int32_t n = kr_count(r, 64);

        for (int32_t i = 0; i < n && !r->bad; i++) {
                char *m = kr_str(r);
                buf_printf(out, "%s%s", i ? ", " : "", m ? m : "");
                free(m);
        }
}

static int handshake(struct kconn *c, const char *mech, struct err *err)
{
        struct buf req, body, enabled;
        struct kreader r;
        int16_t code;
        int rc = -1;

        buf_init(&req, 4096);
        buf_init(&body, (size_t)64 * 1024);
        buf_init(&enabled, 1024);
        if (kconn_version(c, KAFKA_API_SASL_HANDSHAKE, 1, 1) < 0) {
                err_set(err, ERR_TERMINAL, "kafka %s: the broker lacks SaslHandshake v1", c->peer);
                goto out;
        }
        kw_request(&req, KAFKA_API_SASL_HANDSHAKE, 1, kconn_next_id(c), KCONN_CLIENT_ID);
        kw_str(&req, mech);
        kw_finish(&req);
        if (kconn_call(c, &req, &body, err) < 0)
                goto out;
        kr_init(&r, body.data, body.len);
        code = kr_i16(&r);
        mechanisms(&r, &enabled);
        if (r.bad)
                err_set(err, ERR_INTERNAL, "kafka %s: malformed SaslHandshake response", c->peer);
        else if (code != 0)
                err_set(err, ERR_AUTH, "kafka %s: SASL mechanism %s refused: %s (enabled: %s)",
                        c->peer, mech, kafka_error_name(code), enabled.len ? enabled.data : "none");
        else
                rc = 0;
out:
        buf_release(&req);
        buf_release(&body);
        buf_release(&enabled);
        return rc;
}

void sasl_encode_authenticate(struct buf *b, int16_t version, int32_t correlation,
                              const void *token, size_t n)
{
        if (version >= 2) {
                kw_request_flex(b, KAFKA_API_SASL_AUTHENTICATE, version, correlation,
                                KCONN_CLIENT_ID);
                kw_cbytes(b, token, n);
                kw_tags(b);
        } else {
                kw_request(b, KAFKA_API_SASL_AUTHENTICATE, version, correlation, KCONN_CLIENT_ID);
                kw_bytes(b, token, n);
        }
        kw_finish(b);
}

int sasl_decode_authenticate(struct kreader *r, int16_t version, struct buf *out, struct err *err)
{
        bool flex = version >= 2;
        const unsigned char *bytes;
        int32_t blen = 0;
        int16_t code;
        char *msg;
        int rc = -1;

        kr_end(r, flex); /* response header v1 */
        code = kr_i16(r);
        msg = kr_string(r, flex);
        bytes = flex ? kr_cbytes(r, &blen) : kr_bytes(r, &blen);
        if (version >= 1)
                kr_i64(r); /* session lifetime */
        kr_end(r, flex);
        if (r->bad)
                err_set(err, ERR_INTERNAL, "malformed SaslAuthenticate response");
        else if (code != 0)
                err_set(err, ERR_AUTH, "authentication failed: %s",
                        msg ? msg : kafka_error_name(code));
        else if (buf_add(out, bytes ? bytes : (const unsigned char *)"", (size_t)blen) < 0)
                err_nomem(err);
        else
                rc = 0;
        free(msg);
        return rc;
}

/* One SaslAuthenticate round: send `token`, return the server's bytes (caller frees). */
static char *authenticate(struct kconn *c, const void *token, size_t n, struct err *err)
{
        int16_t v = kconn_version(c, KAFKA_API_SASL_AUTHENTICATE, 0, 2);
        struct buf req, body, answer;
        struct kreader r;
        char *out = NULL;

        buf_init(&req, TOKEN_MAX + 1024);
        buf_init(&body, TOKEN_MAX + 1024);
        buf_init(&answer, TOKEN_MAX);
        if (v < 0) {
                err_set(err, ERR_TERMINAL, "kafka %s: the broker lacks SaslAuthenticate", c->peer);
                goto out;
        }
        sasl_encode_authenticate(&req, v, kconn_next_id(c), token, n);
        if (kconn_call(c, &req, &body, err) < 0)
                goto out;
        kr_init(&r, body.data, body.len);
        if (sasl_decode_authenticate(&r, v, &answer, err) < 0) {
                err_prefix(err, "kafka %s", c->peer);
                goto out;
        }
        out = buf_detach(&answer, NULL);
        if (!out)
                err_nomem(err);
out:
        buf_release(&req);
        buf_release(&body);
        buf_release(&answer);
        return out;
}

static int sasl_plain(struct kconn *c, const char *user, const char *pass, struct err *err)
{
        struct buf tok;
        char *resp = NULL;

        buf_init(&tok, 4096);
        buf_putc(&tok, '\0'); /* no authorization id: act as the authenticated user */
        buf_puts(&tok, user);
        buf_putc(&tok, '\0');
        buf_puts(&tok, pass);
        if (tok.failed)
                err_set(err, ERR_INVALID, "kafka config: sasl.username/sasl.password too long");
        else
                resp = authenticate(c, tok.data, tok.len, err);
        buf_release(&tok);
        free(resp);
        return resp ? 0 : -1;
}

static int sasl_scram(struct kconn *c, const char *mech, const char *user, const char *pass,
                      struct err *err)
{
        struct scram s;
        char *first = NULL, *server_first = NULL, *final = NULL, *server_final = NULL;
        int rc = -1;

        if (scram_init(&s, mech, user, pass, err) < 0)
                return -1;
        first = scram_client_first(&s);
        if (!first) {
                err_nomem(err);
                goto out;
        }
        server_first = authenticate(c, first, strlen(first), err);
        final = server_first ? scram_client_final(&s, server_first, err) : NULL;
        server_final = final ? authenticate(c, final, strlen(final), err) : NULL;
        if (server_final && scram_verify(&s, server_final, err) == 0)
                rc = 0;
        else if (server_final)
                err_prefix(err, "kafka %s", c->peer);
out:
        free(first);
        free(server_first);
        free(final);
        free(server_final);
        scram_release(&s);
        return rc;
}

int kconn_sasl(struct kconn *c, const struct kprops *p, struct err *err)
{
        const char *mech = kprops_get(p, "sasl.mechanism");
        const char *user = kprops_get(p, "sasl.username");
        const char *pass = kprops_get(p, "sasl.password");
        char first[64];

        if (!mech)
                mech = kprops_get(p, "sasl.mechanisms");
        mech = mech ? mech + strspn(mech, " \t") : "GSSAPI"; /* librdkafka's default */
        snprintf(first, sizeof(first), "%.*s", (int)strcspn(mech, ", \t"), mech);
        if (strcmp(first, "PLAIN") != 0 && strcmp(first, "SCRAM-SHA-256") != 0 &&
            strcmp(first, "SCRAM-SHA-512") != 0)
                return err_set(err, ERR_INVALID,
                               "kafka config: SASL mechanism '%s' is not supported by the quota "
                               "client (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)",
                               first);
        if (!user || !pass)
                return err_set(err, ERR_INVALID,
                               "kafka config: SASL needs sasl.username and sasl.password");
        if (handshake(c, first, err) < 0)
                return -1;
        if (strcmp(first, "PLAIN") == 0)
                return sasl_plain(c, user, pass, err);
        return sasl_scram(c, first, user, pass, err);
}
