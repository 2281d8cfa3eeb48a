/*
 * Parse once per generation: the product parsed from each object's spec, kept under the
 * object's key with the uid and generation it was parsed at (or the diagnostics when the spec
 * was invalid). A resync of an unchanged object finds it here and parses nothing; a new
 * generation, or a new object under the same name (another uid), misses. Thread-safe; the
 * entries of one key are used by one reconcile at a time (the workqueue never hands a key to
 * two workers), which is what makes the borrowed results below safe.
 */
#ifndef PKG_RECONCILE_SPECCACHE_H
#define PKG_RECONCILE_SPECCACHE_H

#include <pthread.h>

#include "pkg/base/map.h"

struct product;

struct spec_cache {
        pthread_mutex_t mu;
        struct map entries; /* key -> struct spec_entry * */
        unsigned long hits, misses;
};

void spec_cache_init(struct spec_cache *c);
void spec_cache_release(struct spec_cache *c);

/*
 * The entry of `key` parsed at (`uid`, `generation`): returns 1 with *product (NULL when the
 * spec was invalid) and *message (the diagnostics then) borrowed until the key's next put or
 * drop; 0 on a miss.
 */
int spec_cache_get(struct spec_cache *c, const char *key, const char *uid, long long generation,
                   const struct product **product, const char **message);

/*
 * Keep `product` (taken, may be NULL) or `message` (copied) for `key` at (`uid`, `generation`),
 * replacing what the key had. Returns 0, or -1 when out of memory (the product is then freed
 * and the key has no entry).
 */
int spec_cache_put(struct spec_cache *c, const char *key, const char *uid, long long generation,
                   struct product *product, const char *message);

/* Forget `key` (its object is gone). */
void spec_cache_drop(struct spec_cache *c, const char *key);

#endif
