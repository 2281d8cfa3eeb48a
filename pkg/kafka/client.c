#include "pkg/kafka/kafka.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/log.h"
#include "pkg/kafka/internal.h"
#include "pkg/kwire/kconn.h"
#include "pkg/kwire/ktls.h"
#include "pkg/kwire/quota.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

int kafka_err(struct err *err, rd_kafka_resp_err_t code, const char *fmt, ...)
{
        char msg[ERR_MSG_MAX];
        enum err_kind kind = ERR_TERMINAL;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        switch (code) {
        case RD_KAFKA_RESP_ERR__AUTHENTICATION:
        case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
                kind = ERR_AUTH;
                break;
        case RD_KAFKA_RESP_ERR__TRANSPORT:
        case RD_KAFKA_RESP_ERR__TIMED_OUT:
        case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        case RD_KAFKA_RESP_ERR_NOT_CONTROLLER:
        case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
        /* a create of what our reading did not show: the reading was behind (a broker's
         * metadata cache follows the controller) or someone made it meanwhile; the next one
         * sees it */
        case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
                kind = ERR_TRANSIENT;
                break;
        default:
                break;
        }
        return err_set(err, kind, "%s", msg);
}

/* librdkafka reports connection and authentication trouble here, not as call results. */
static void on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque)
{
        struct kafka *k = opaque;

        (void)rk;
        snprintf(k->last_error, sizeof(k->last_error), "%s", reason);
        if (code == RD_KAFKA_RESP_ERR__AUTHENTICATION)
                k->auth_failed = 1;
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
        (void)rk;
        (void)level;
        log_debug(NULL, "librdkafka %s: %s", fac, buf);
}

static int configure(struct kafka *k, rd_kafka_conf_t *conf, struct err *err)
{
        char errstr[512];

        for (size_t i = 0; i < k->props.kvs.len; i++) {
                const struct strmap_ent *e = &k->props.kvs.items[i];
                if (rd_kafka_conf_set(conf, e->key, e->value, errstr, sizeof(errstr)) !=
                    RD_KAFKA_CONF_OK)
                        return err_set(err, ERR_INVALID, "kafka config %s: %s", e->key, errstr);
        }
        rd_kafka_conf_set_opaque(conf, k);
        rd_kafka_conf_set_error_cb(conf, on_error);
        rd_kafka_conf_set_log_cb(conf, on_log);
        rd_kafka_conf_set(conf, "log.connection.close", "false", errstr, sizeof(errstr));
        return 0;
}

/* One metadata round trip proves the broker is there and takes our credentials. */
static int check_connection(struct kafka *k, struct err *err)
{
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t e = rd_kafka_metadata(k->rk, 0, NULL, &md, 10000);

        k->requests++;
        if (md)
                rd_kafka_metadata_destroy(md);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
                return 0;
        rd_kafka_poll(k->rk, 100); /* error callbacks (the real cause) are served from here */
        if (k->auth_failed)
                return err_set(err, ERR_AUTH, "kafka %s: authentication failed: %s", k->bootstrap,
                               k->last_error);
        return kafka_err(err, e, "kafka %s: cannot connect: %s%s%s", k->bootstrap,
                         rd_kafka_err2str(e), k->last_error[0] ? ": " : "", k->last_error);
}

/* Unreadable TLS files, wrong passwords and expired client certificates: one line, up front. */
static int check_tls_files(const struct kprops *p, struct err *err)
{
        SSL_CTX *ctx;

        if (!kprops_tls(p))
                return 0;
        ctx = ktls_context(p, err);
        if (!ctx)
                return -1;
        SSL_CTX_free(ctx);
        return 0;
}

#define API_FETCH           1
#define RDKAFKA_SCRAM_FIXED 0x020601ff /* 2.6.1 (librdkafka PR #4895) */

/*
 * librdkafka before 2.6.1 ends its SCRAM exchange with a client-final message whose nonce
 * Kafka 4.x rejects, so the login fails as "authentication failed" although the credentials are
 * right. With such a librdkafka and a SCRAM mechanism, ask the broker over our own client
 * (whose SCRAM is right, and whose connection is kept for quotas and ACLs) whether it is 4.x:
 * Kafka 4.0 dropped Fetch v0-v3 (KIP-896; it still lists Produce v0 for old clients), so a
 * minimum Fetch version of 4 or more says so.
 * Refuse Kafka 4.x in one line that says what to do; warn when the broker's version is unknown.
 */
static int check_scram(struct kafka *k, struct err *err)
{
        const char *mech = kprops_sasl_mechanism(&k->props);
        struct kconn *c;

        if (!mech || strncmp(mech, "SCRAM-", 6) != 0 || rd_kafka_version() >= RDKAFKA_SCRAM_FIXED)
                return 0;
        c = kafka_own_conn(k, err);
        if (!c)
                return -1;
        if (c->versions.min[API_FETCH] < 0) {
                log_warn(NULL,
                         "kafka %s: %s with librdkafka %s fails against Kafka 4.x (fixed in "
                         "librdkafka 2.6.1); the broker's version is unknown",
                         k->bootstrap, mech, rd_kafka_version_str());
                return 0;
        }
        if (c->versions.min[API_FETCH] < 4)
                return 0;
        return err_set(
            err, ERR_INVALID,
            "kafka %s: %s cannot authenticate against Kafka 4.x with librdkafka %s "
            "(fixed in 2.6.1; Debian bookworm has 2.0.2): use PLAIN or a client certificate "
            "(mTLS), or the specmesh image built on Debian trixie (librdkafka 2.8.0)",
            k->bootstrap, mech, rd_kafka_version_str());
}

/* Load, override and check the properties into `p` (initialised by the caller). */
static int load_props(struct kprops *p, const char *config_file, const char *bootstrap,
                      struct err *err)
{
        if (config_file && kprops_load(p, config_file, err) < 0)
                return -1;
        if (bootstrap && kprops_set(p, "bootstrap.servers", bootstrap) < 0)
                return err_nomem(err);
        if (!kprops_get(p, "bootstrap.servers"))
                return err_set(err, ERR_INVALID, "no bootstrap.servers in the kafka config");
        if (kprops_check(p, err) < 0 || check_tls_files(p, err) < 0)
                return -1;
        return 0;
}

int kafka_config_check(const char *config_file, const char *bootstrap, struct err *err)
{
        struct kprops p;
        int rc;

        kprops_init(&p);
        rc = load_props(&p, config_file, bootstrap, err);
        kprops_release(&p);
        return rc;
}

struct kafka *kafka_open(const char *config_file, const char *bootstrap, struct err *err)
{
        struct kafka *k = calloc(1, sizeof(*k));
        rd_kafka_conf_t *conf;
        char errstr[512];

        if (!k) {
                err_nomem(err);
                return NULL;
        }
        kprops_init(&k->props);
        if (load_props(&k->props, config_file, bootstrap, err) < 0)
                goto fail;
        snprintf(k->bootstrap, sizeof(k->bootstrap), "%s",
                 kprops_get(&k->props, "bootstrap.servers"));
        if (check_scram(k, err) < 0)
                goto fail;
        /*
         * Over TLS our own client connects first: it says in one line why the broker's
         * certificate, its name or our credentials are refused, where librdkafka only retries.
         * The connection is kept for quotas and ACLs.
         */
        if (kprops_tls(&k->props) && !kafka_own_conn(k, err))
                goto fail;
        conf = rd_kafka_conf_new();
        if (!conf)
                goto nomem;
        if (configure(k, conf, err) < 0) {
                rd_kafka_conf_destroy(conf);
                goto fail;
        }
        k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!k->rk) {
                rd_kafka_conf_destroy(conf);
                err_set(err, ERR_INVALID, "kafka client: %s", errstr);
                goto fail;
        }
        k->queue = rd_kafka_queue_new(k->rk);
        if (check_connection(k, err) < 0)
                goto fail;
        return k;
nomem:
        err_nomem(err);
fail:
        kafka_close(k);
        return NULL;
}

void kafka_close(struct kafka *k)
{
        if (!k)
                return;
        kconn_close(k->quota_conn);
        if (k->opts)
                rd_kafka_AdminOptions_destroy(k->opts);
        if (k->queue)
                rd_kafka_queue_destroy(k->queue);
        if (k->rk)
                rd_kafka_destroy(k->rk);
        kprops_release(&k->props);
        free(k);
}

struct kconn *kafka_own_conn(struct kafka *k, struct err *err)
{
        if (k->quota_conn && k->quota_conn->broken) {
                /* an earlier I/O failure left the stream out of step: start afresh */
                kconn_close(k->quota_conn);
                k->quota_conn = NULL;
        }
        if (!k->quota_conn)
                k->quota_conn = kconn_open(&k->props, 10000, err);
        return k->quota_conn;
}

unsigned long kafka_request_count(const struct kafka *k)
{
        return k->requests;
}

rd_kafka_AdminOptions_t *kafka_options(struct kafka *k, rd_kafka_admin_op_t api, int validate)
{
        rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(k->rk, api);
        char errstr[256];

        rd_kafka_AdminOptions_set_request_timeout(o, KAFKA_TIMEOUT_MS, errstr, sizeof(errstr));
        if (api == RD_KAFKA_ADMIN_OP_CREATETOPICS || api == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS ||
            api == RD_KAFKA_ADMIN_OP_DELETETOPICS)
                rd_kafka_AdminOptions_set_operation_timeout(o, KAFKA_TIMEOUT_MS, errstr,
                                                            sizeof(errstr));
        if (validate)
                rd_kafka_AdminOptions_set_validate_only(o, 1, errstr, sizeof(errstr));
        k->requests++;
        if (k->opts)
                rd_kafka_AdminOptions_destroy(k->opts);
        k->opts = o; /* librdkafka does not take the options: free them after the call */
        return o;
}

rd_kafka_event_t *kafka_wait(struct kafka *k, rd_kafka_event_type_t type, const char *what,
                             struct err *err)
{
        rd_kafka_event_t *ev = rd_kafka_queue_poll(k->queue, KAFKA_TIMEOUT_MS + 5000);

        if (k->opts) {
                rd_kafka_AdminOptions_destroy(k->opts);
                k->opts = NULL;
        }
        if (!ev) {
                err_set(err, ERR_TRANSIENT, "kafka %s: %s timed out", k->bootstrap, what);
                return NULL;
        }
        if (rd_kafka_event_type(ev) != type || rd_kafka_event_error(ev)) {
                kafka_err(err, rd_kafka_event_error(ev), "kafka %s: %s failed: %s", k->bootstrap,
                          what, rd_kafka_event_error_string(ev));
                rd_kafka_event_destroy(ev);
                return NULL;
        }
        return ev;
}
