#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/vec.h"
#include "pkg/kwire/kproto.h"
#include "pkg/kafka/logdirs.h"
#include "test/unit/kwire/hexfixture.h"

Test(logdirs, v4_request_bytes)
{
        size_t n;
        unsigned char *want = load_hex("describe_log_dirs_v4_request.hex", &n);
        struct buf b;

        buf_init(&b, 1024);
        logdirs_encode(&b, 4, 4);
        cr_assert_eq(b.len, n);
        cr_assert_arr_eq(b.data, want, n);
        buf_release(&b);
        free(want);
}

Test(logdirs, v1_request_is_classic)
{
        static const unsigned char want[] = {
            0x00, 0x00, 0x00, 0x16, 0x00, 0x23, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09, 0x00, 0x08,
            's',  'p',  'e',  'c',  'm',  'e',  's',  'h',  0xff, 0xff, 0xff, 0xff, /* topics: null
                                                                                       (int32 -1) */
        };
        struct buf b;

        buf_init(&b, 1024);
        logdirs_encode(&b, 1, 9);
        cr_assert_eq(b.len, sizeof(want));
        cr_assert_arr_eq(b.data, want, sizeof(want));
        buf_release(&b);
}

/* One log directory with `code`, holding topic "t" partition 0 (size 100) and 1 (future). */
static void put_dir(struct buf *b, int16_t code, const char *path)
{
        kw_i16(b, code);
        kw_cstr(b, path);
        kw_carray(b, 1);
        kw_cstr(b, "t");
        kw_carray(b, 2);
        kw_i32(b, 0);
        kw_i64(b, 100);
        kw_i64(b, 0);
        kw_i8(b, 0);
        kw_tags(b);
        kw_i32(b, 1);
        kw_i64(b, 7);
        kw_i64(b, 0);
        kw_i8(b, 1);
        kw_tags(b);
        kw_tags(b);
        kw_i64(b, -1);
        kw_i64(b, -1);
        kw_tags(b);
}

Test(logdirs, v4_response_skips_offline_dirs_and_marks_future)
{
        struct vec out = VEC_INIT;
        struct kreader r;
        struct err err;
        struct buf b;

        buf_init(&b, 4096);
        kw_tags(&b);   /* response header v1 */
        kw_i32(&b, 0); /* throttle */
        kw_i16(&b, 0);
        kw_carray(&b, 2);
        put_dir(&b, 0, "/data/a");
        put_dir(&b, 56, "/data/offline"); /* KAFKA_STORAGE_ERROR: its entries are not counted */
        kw_tags(&b);
        kr_init(&r, b.data, b.len);
        cr_assert_eq(logdirs_decode(&r, 4, &out, &err), 0, "%s", err.msg);
        cr_assert_eq(out.len, 2);
        const struct logdir_entry *e0 = out.items[0], *e1 = out.items[1];
        cr_assert_str_eq(e0->topic, "t");
        cr_assert_eq(e0->size, 100);
        cr_assert(!e0->future);
        cr_assert_eq(e1->partition, 1);
        cr_assert(e1->future);
        cr_assert_eq(e0->broker, -1);
        vec_release(&out, logdir_entry_free);
        buf_release(&b);
}

Test(logdirs, top_level_error_and_truncation)
{
        struct vec out = VEC_INIT;
        struct kreader r;
        struct err err;
        struct buf b;

        buf_init(&b, 4096);
        kw_tags(&b);
        kw_i32(&b, 0);
        kw_i16(&b, 31); /* CLUSTER_AUTHORIZATION_FAILED */
        kw_carray(&b, 0);
        kw_tags(&b);
        kr_init(&r, b.data, b.len);
        cr_assert_eq(logdirs_decode(&r, 4, &out, &err), -1);
        cr_assert_eq(err.kind, ERR_AUTH);
        cr_assert(strstr(err.msg, "CLUSTER_AUTHORIZATION_FAILED"), "%s", err.msg);
        buf_reset(&b);
        kw_tags(&b);
        kw_i32(&b, 0);
        kw_i16(&b, 0);
        kw_carray(&b, 1);
        put_dir(&b, 0, "/d");
        kr_init(&r, b.data, b.len - 5); /* cut inside the directory */
        cr_assert_eq(logdirs_decode(&r, 4, &out, &err), -1);
        cr_assert_eq(err.kind, ERR_INTERNAL);
        vec_release(&out, logdir_entry_free);
        buf_release(&b);
}

/* What Kafka 4.1.1 sent: see the fixture's comment. */
Test(logdirs, real_broker_response)
{
        size_t n;
        unsigned char *frame = load_hex("describe_log_dirs_v4_response.hex", &n);
        struct vec out = VEC_INIT;
        struct kreader r;
        struct err err;

        kr_init(&r, frame + 8, n - 8); /* size and correlation id */
        cr_assert_eq(logdirs_decode(&r, 4, &out, &err), 0, "%s", err.msg);
        cr_assert_eq(r.off, r.len, "every byte read");
        cr_assert_eq(out.len, 2, "both partitions of wire-fx.logdirs");
        for (size_t i = 0; i < out.len; i++) {
                const struct logdir_entry *e = out.items[i];
                cr_assert_str_eq(e->topic, "wire-fx.logdirs");
                cr_assert_eq(e->partition, (int32_t)i);
                cr_assert_eq(e->size, i == 0 ? 0 : 93);
                cr_assert(!e->future);
        }
        vec_release(&out, logdir_entry_free);
        free(frame);
}
