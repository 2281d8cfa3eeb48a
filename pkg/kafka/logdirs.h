/*
 * DescribeLogDirs (api 35) over our own protocol client, since librdkafka 2.0.2 has no call
 * for it: the bytes each replica of each partition takes on one broker's disks. The request
 * goes to every broker in turn (each answers for its own log directories only). Owns the
 * request's encoding (v1 classic, v2-v4 flexible; always "all topics": the caller filters)
 * and the response's decoding into flat (topic, partition, size) entries.
 */
#ifndef PKG_KAFKA_LOGDIRS_H
#define PKG_KAFKA_LOGDIRS_H

#include <stdbool.h>
#include <stdint.h>

struct buf;
struct err;
struct kconn;
struct kreader;
struct vec;

enum {
        KAFKA_API_DESCRIBE_LOG_DIRS = 35,
};

/* One replica's log on one broker. */
struct logdir_entry {
        char *topic;
        int32_t partition;
        int64_t size;   /* bytes of the log's segments */
        bool future;    /* a copy being moved between directories (AlterReplicaLogDirs) */
        int32_t broker; /* the node id of the broker that answered; set by the caller */
};

void logdir_entry_free(void *e);

/* DescribeLogDirs (v1..v4) for all topics (Topics = null). */
void logdirs_encode(struct buf *b, int16_t version, int32_t correlation);

/*
 * Decode a DescribeLogDirs response body (after the correlation id) and append one entry per
 * replica log to `out` (struct logdir_entry *, broker -1; the caller owns them). Log
 * directories that report an error (offline disks) are skipped, not fatal. Returns 0, or -1
 * with `err` set for a top-level broker error (v3+) or a malformed body; `out` may then hold
 * part of the entries.
 */
int logdirs_decode(struct kreader *r, int16_t version, struct vec *out, struct err *err);

/*
 * Ask the broker `c` is connected to for its log directories: entries appended to `out` with
 * broker = `node_id`. Returns 0 or -1 with `err` naming the broker (ERR_AUTH when the
 * principal may not describe the cluster).
 */
int kafka_logdirs(struct kconn *c, int32_t node_id, struct vec *out, struct err *err);

#endif
