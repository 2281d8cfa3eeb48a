/*
 * libFuzzer target: the decoders of broker responses we wrote for DescribeLogDirs and the
 * SCRAM-credential calls get arbitrary bytes (a hostile or broken broker). The first byte picks
 * the decoder and the version; the rest is the response body. Every outcome is fine except a
 * crash, a sanitizer report or a leak.
 */
#include <stddef.h>
#include <stdint.h>

#include "pkg/base/err.h"
#include "pkg/base/vec.h"
#include "pkg/kwire/kproto.h"
#include "pkg/kafka/logdirs.h"
#include "pkg/kafka/scramcred.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct vec out = VEC_INIT;
        struct kreader r;
        struct err err;
        unsigned mechs;

        if (size < 1)
                return 0;
        kr_init(&r, data + 1, size - 1);
        switch (data[0] % 6) {
        case 0:
        case 1:
        case 2:
        case 3:
                logdirs_decode(&r, (int16_t)(1 + data[0] % 4), &out, &err);
                vec_release(&out, logdir_entry_free);
                break;
        case 4:
                scramcred_decode_describe(&r, "wire-fx-cred", &mechs, &err);
                break;
        default:
                scramcred_decode_alter(&r, &err);
        }
        return 0;
}
