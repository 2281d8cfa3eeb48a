/*
 * librdkafka-style client properties (`key=value` lines, `#` comments), as given with
 * --kafka-config. The same properties drive the librdkafka admin client and our own small
 * protocol client (quotas), so both connect with identical bootstrap, SASL and TLS settings.
 */
#ifndef PKG_KWIRE_PROPS_H
#define PKG_KWIRE_PROPS_H

#include "pkg/base/vec.h"

struct err;

struct kprops {
        struct vec kvs; /* struct kv *, in file order; a later key replaces an earlier one */
};

void kprops_init(struct kprops *p);
void kprops_release(struct kprops *p);

/*
 * Read `path` into `p` (adding to what is there). Fails with ERR_INVALID naming the file and
 * line for a line without '=', or with ERR_NOT_FOUND when the file cannot be read.
 */
int kprops_load(struct kprops *p, const char *path, struct err *err);

/* Set or replace `key`. Returns 0, or -1 when memory runs out. */
int kprops_set(struct kprops *p, const char *key, const char *value);

/* The value of `key` or NULL. Borrowed: valid until the key is set again or p is released. */
const char *kprops_get(const struct kprops *p, const char *key);

#endif
