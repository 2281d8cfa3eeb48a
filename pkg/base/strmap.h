/*
 * A map from strings to strings, kept sorted by key (strcmp order) in one array. It owns
 * copies of its keys and values. Lookups are binary searches; an insert or a removal moves the
 * tail of the array, so it suits the small maps it serves (a topic's configs, the client
 * properties, an export's files: tens to hundreds of entries), and every map has a cap on its
 * number of entries, chosen at init. Iteration is in key order, so two maps with the same
 * contents iterate alike:
 *
 *     for (size_t i = 0; i < m->len; i++)
 *             use(m->items[i].key, m->items[i].value);
 *
 * Entries are borrowed while iterating: do not set or delete during the loop. Keys and values
 * are never NULL; how long they may be is for the caller to bound (the map copies what it gets).
 */
#ifndef PKG_BASE_STRMAP_H
#define PKG_BASE_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct strmap_ent {
        char *key;   /* owned */
        char *value; /* owned */
};

struct strmap {
        struct strmap_ent *items; /* len entries, sorted by key, no key twice */
        size_t len;
        size_t cap; /* allocated entries */
        size_t max; /* most entries allowed (strmap_init) */
};

/* What strmap_set() and strmap_copy() return: 0 or a negative reason. */
enum strmap_rc {
        STRMAP_OK = 0,
        STRMAP_NOMEM = -1, /* out of memory */
        STRMAP_FULL = -2,  /* a new key would pass the cap */
};

/* Prepare an empty map that may hold up to `max` entries. Allocates nothing. */
void strmap_init(struct strmap *m, size_t max);

/* Free every key, value and the array; the map is then empty, with the same cap. */
void strmap_release(struct strmap *m);

/*
 * Set `key` to a copy of `value`, replacing the value it had. Returns STRMAP_OK, STRMAP_NOMEM
 * or STRMAP_FULL (when `key` is new and the map holds `max` entries); on failure the map is
 * unchanged.
 */
int strmap_set(struct strmap *m, const char *key, const char *value);

/* The value of `key`, or NULL. Borrowed: valid until `key` is set or deleted, or m released. */
const char *strmap_get(const struct strmap *m, const char *key);

/* Remove `key`. Returns true when it was there. */
bool strmap_del(struct strmap *m, const char *key);

/*
 * Make `dst` (initialised, its cap kept) a copy of `src`: what `dst` held is released first.
 * Returns STRMAP_OK, or STRMAP_NOMEM / STRMAP_FULL (src has more entries than dst's cap) with
 * `dst` left empty.
 */
int strmap_copy(struct strmap *dst, const struct strmap *src);

/* True when both maps hold the same keys with the same values. */
bool strmap_equal(const struct strmap *a, const struct strmap *b);

#endif
