#include "pkg/kafka/logdirs.h"

#include <stdio.h>
#include <stdlib.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/kwire/kconn.h"
#include "pkg/kwire/kproto.h"
#include "pkg/base/banned.h"

#define MAX_DIRS       1024
#define MAX_TOPICS     1000000
#define MAX_PARTITIONS 1000000

void logdir_entry_free(void *p)
{
        struct logdir_entry *e = p;

        if (!e)
                return;
        free(e->topic);
        free(e);
}

void logdirs_encode(struct buf *b, int16_t version, int32_t correlation)
{
        bool flex = version >= 2;

        if (flex) {
                kw_request_flex(b, KAFKA_API_DESCRIBE_LOG_DIRS, version, correlation,
                                KCONN_CLIENT_ID);
                kw_uvarint(b, 0); /* Topics: null = every topic */
        } else {
                kw_request(b, KAFKA_API_DESCRIBE_LOG_DIRS, version, correlation, KCONN_CLIENT_ID);
                kw_i32(b, -1);
        }
        kw_end(b, flex);
        kw_finish(b);
}

/* One partition entry; appended to `out` unless `skip` (a directory with an error). */
static int read_partition(struct kreader *r, bool flex, const char *topic, bool skip,
                          struct vec *out, struct err *err)
{
        struct logdir_entry *e;
        int32_t index = kr_i32(r);
        int64_t size = kr_i64(r);

        kr_i64(r); /* offset lag */
        bool future = kr_i8(r) != 0;
        kr_end(r, flex);
        if (r->bad || skip)
                return 0;
        e = calloc(1, sizeof(*e));
        if (e)
                e->topic = str_dup(topic);
        if (!e || !e->topic || vec_push(out, e) < 0) {
                logdir_entry_free(e);
                return err_nomem(err);
        }
        e->partition = index;
        e->size = size;
        e->future = future;
        e->broker = -1;
        return 0;
}

/* The topics of one log directory. */
static int read_topics(struct kreader *r, bool flex, bool skip, struct vec *out, struct err *err)
{
        int32_t n = kr_array(r, flex, MAX_TOPICS);

        for (int32_t i = 0; i < n && !r->bad; i++) {
                char *name = kr_string(r, flex);
                int32_t m = kr_array(r, flex, MAX_PARTITIONS);
                int rc = 0;
                for (int32_t j = 0; j < m && !r->bad && rc == 0; j++)
                        rc = read_partition(r, flex, name ? name : "", skip || !name, out, err);
                kr_end(r, flex);
                free(name);
                if (rc < 0)
                        return -1;
        }
        return 0;
}

int logdirs_decode(struct kreader *r, int16_t version, struct vec *out, struct err *err)
{
        bool flex = version >= 2;
        int16_t code = 0;
        int32_t n;

        kr_end(r, flex); /* response header v1 */
        kr_i32(r);       /* throttle */
        if (version >= 3)
                code = kr_i16(r);
        if (!r->bad && code != 0)
                return err_set(err, kafka_error_kind(code), "describe log dirs: %s (error %d)",
                               kafka_error_name(code), code);
        n = kr_array(r, flex, MAX_DIRS);
        for (int32_t i = 0; i < n && !r->bad; i++) {
                int16_t dir_code = kr_i16(r);
                free(kr_string(r, flex)); /* the directory's path: not ours to report */
                if (read_topics(r, flex, dir_code != 0, out, err) < 0)
                        return -1;
                if (version >= 4) {
                        kr_i64(r); /* total bytes of the volume */
                        kr_i64(r); /* usable bytes */
                }
                kr_end(r, flex);
        }
        kr_end(r, flex);
        if (r->bad)
                return err_set(err, ERR_INTERNAL, "describe log dirs: malformed response");
        return 0;
}

int kafka_logdirs(struct kconn *c, int32_t node_id, struct vec *out, struct err *err)
{
        int16_t v = kconn_version(c, KAFKA_API_DESCRIBE_LOG_DIRS, 1, 4);
        size_t first = out->len;
        struct buf req, body;
        struct kreader r;
        int rc = -1;

        if (v < 0)
                return err_set(err, ERR_TERMINAL,
                               "kafka %s: the broker does not support DescribeLogDirs v1-v4",
                               c->peer);
        buf_init(&req, 4096);
        buf_init(&body, KCONN_FRAME_MAX);
        logdirs_encode(&req, v, kconn_next_id(c));
        if (kconn_call(c, &req, &body, err) == 0) {
                kr_init(&r, body.data, body.len);
                rc = logdirs_decode(&r, v, out, err);
                if (rc < 0)
                        err_prefix(err, "kafka %s (node %d)", c->peer, (int)node_id);
        }
        for (size_t i = first; i < out->len; i++)
                ((struct logdir_entry *)out->items[i])->broker = node_id;
        buf_release(&req);
        buf_release(&body);
        return rc;
}
