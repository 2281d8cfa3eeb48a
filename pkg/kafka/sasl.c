#include "pkg/kafka/kconn.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/kafka/kproto.h"
#include "pkg/kafka/props.h"
#include "pkg/kafka/scram.h"
#include "pkg/base/banned.h"

static int handshake(struct kconn *c, const char *mech, struct err *err)
{
        struct buf req, body;
        struct kreader r;
        int rc = -1;

        buf_init(&req, 4096);
        buf_init(&body, 64 * 1024);
        kw_request(&req, KAFKA_API_SASL_HANDSHAKE, 1, kconn_next_id(c), KCONN_CLIENT_ID);
        kw_str(&req, mech);
        kw_finish(&req);
        if (kconn_call(c, &req, &body, err) < 0)
                goto out;
        kr_init(&r, body.data, body.len);
        if (kr_i16(&r) != 0) {
                err_set(err, ERR_AUTH, "kafka %s: the broker does not offer SASL mechanism %s",
                        c->peer, mech);
                goto out;
        }
        rc = 0;
out:
        buf_release(&req);
        buf_release(&body);
        return rc;
}

/* One SaslAuthenticate round: send `token`, return the server's bytes (caller frees). */
static char *authenticate(struct kconn *c, const void *token, size_t n, struct err *err)
{
        struct buf req, body;
        struct kreader r;
        const unsigned char *bytes;
        char *msg = NULL, *out = NULL;
        int32_t blen;
        int16_t code;

        buf_init(&req, 64 * 1024);
        buf_init(&body, 64 * 1024);
        kw_request(&req, KAFKA_API_SASL_AUTHENTICATE, 1, kconn_next_id(c), KCONN_CLIENT_ID);
        kw_bytes(&req, token, n);
        kw_finish(&req);
        if (kconn_call(c, &req, &body, err) < 0)
                goto out;
        kr_init(&r, body.data, body.len);
        code = kr_i16(&r);
        msg = kr_str(&r);
        bytes = kr_bytes(&r, &blen);
        if (r.bad)
                err_set(err, ERR_INTERNAL, "kafka %s: malformed SaslAuthenticate response",
                        c->peer);
        else if (code != 0)
                err_set(err, ERR_AUTH, "kafka %s: authentication failed: %s", c->peer,
                        msg ? msg : "refused");
        else
                out = str_ndup(bytes ? (const char *)bytes : "", (size_t)blen);
out:
        free(msg);
        buf_release(&req);
        buf_release(&body);
        return out;
}

static int sasl_plain(struct kconn *c, const char *user, const char *pass, struct err *err)
{
        struct buf tok;
        char *resp;

        buf_init(&tok, 4096);
        buf_putc(&tok, '\0');
        buf_puts(&tok, user);
        buf_putc(&tok, '\0');
        buf_puts(&tok, pass);
        resp = tok.failed ? NULL : authenticate(c, tok.data, tok.len, err);
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

        if (scram_init(&s, mech, user, pass, NULL, err) < 0)
                return -1;
        first = scram_client_first(&s);
        server_first = first ? authenticate(c, first, strlen(first), err) : NULL;
        final = server_first ? scram_client_final(&s, server_first, err) : NULL;
        server_final = final ? authenticate(c, final, strlen(final), err) : NULL;
        if (server_final && scram_verify(&s, server_final, err) == 0)
                rc = 0;
        if (rc < 0 && !err->msg[0])
                err_nomem(err);
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
        snprintf(first, sizeof(first), "%.*s", (int)strcspn(mech ? mech : "GSSAPI", ", "),
                 mech ? mech : "GSSAPI");
        if (!user || !pass)
                return err_set(err, ERR_INVALID,
                               "kafka config: SASL needs sasl.username and "
                               "sasl.password");
        if (strcmp(first, "PLAIN") && strcmp(first, "SCRAM-SHA-256") &&
            strcmp(first, "SCRAM-SHA-512"))
                return err_set(err, ERR_INVALID,
                               "kafka config: SASL mechanism %s is not supported for quotas "
                               "(PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)",
                               first);
        err_clear(err);
        if (handshake(c, first, err) < 0)
                return -1;
        if (strcmp(first, "PLAIN") == 0)
                return sasl_plain(c, user, pass, err);
        return sasl_scram(c, first, user, pass, err);
}
