/*
 * What the files of pkg/kafka share: the client handle and the admin-request helper.
 * Private to pkg/kafka.
 */
#ifndef PKG_KAFKA_INTERNAL_H
#define PKG_KAFKA_INTERNAL_H

#include <librdkafka/rdkafka.h>

#include "pkg/base/err.h"
#include "pkg/kwire/props.h"

struct plan;

struct kafka {
        rd_kafka_t *rk;
        rd_kafka_queue_t *queue;
        struct kprops props;
        char bootstrap[512];
        char last_error[512]; /* the latest error reported by librdkafka's error callback */
        int auth_failed;
        unsigned long requests;
        struct kconn *quota_conn;      /* our protocol client (ACLs, quotas), opened on first use */
        rd_kafka_AdminOptions_t *opts; /* of the admin call in flight; freed by kafka_wait() */
};

#define KAFKA_TIMEOUT_MS 30000

/* Admin options for `api` with our request timeout (and validate_only when asked). */
rd_kafka_AdminOptions_t *kafka_options(struct kafka *k, rd_kafka_admin_op_t api, int validate);

/*
 * Wait for the result event of the admin call just made. Returns the event (caller destroys
 * it) or NULL with `err` set when the call failed as a whole or timed out.
 */
rd_kafka_event_t *kafka_wait(struct kafka *k, rd_kafka_event_type_t type, const char *what,
                             struct err *err);

/*
 * Our own protocol client's connection, opened on first use and opened again when an I/O
 * failure broke the previous one; NULL with `err` set.
 */
struct kconn *kafka_own_conn(struct kafka *k, struct err *err);

/* Map a librdkafka error to our kinds: auth, transient or terminal. */
int kafka_err(struct err *err, rd_kafka_resp_err_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The kind of an apply that has failed with `so_far` and now also with `next`: transient as
 * soon as one failure is (a retry is then worth it; out of memory counts as transient), else
 * the first failure's kind.
 */
enum err_kind kafka_apply_kind(enum err_kind so_far, enum err_kind next);

/*
 * Sum up a kafka_apply() of `p` whose failures had the kind `kind` (ERR_NONE: none seen). An
 * op still pending was never attempted (its batch could not be assembled): it is marked failed
 * and makes the result transient. Returns 0 when no topic, ACL or quota op failed, else -1 with
 * `err` saying how many failed and why the first did.
 */
int kafka_apply_outcome(struct plan *p, enum err_kind kind, struct err *err);

#endif
