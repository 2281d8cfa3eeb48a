/*
 * A string-keyed hash map (separate chaining, grows at load 1). The map owns copies of its
 * keys; values are the caller's, and map_release() can free them with a callback.
 */
#ifndef PKG_BASE_MAP_H
#define PKG_BASE_MAP_H

#include <stddef.h>

struct map_ent {
        struct map_ent *next;
        unsigned long hash;
        void *value;
        char key[]; /* NUL-terminated copy */
};

struct map {
        struct map_ent **buckets;
        size_t nbuckets;
        size_t len;
};

void map_init(struct map *m);
/* Free every entry (and each value with `free_value` unless NULL). The map is then empty. */
void map_release(struct map *m, void (*free_value)(void *));

/* The value stored under `key`, or NULL. */
void *map_get(const struct map *m, const char *key);
/* True when `key` is present (also with a NULL value). */
int map_has(const struct map *m, const char *key);
/*
 * Store `value` under `key`, returning the previous value through `old` (NULL when new or
 * when `old` is NULL). Returns 0, or -1 when out of memory (the map is unchanged).
 */
int map_put(struct map *m, const char *key, void *value, void **old);
/* Remove `key`; returns its value (NULL when absent). */
void *map_del(struct map *m, const char *key);

/* Iterate: `*it` starts at 0; returns the next entry or NULL at the end. Do not modify the
 * map while iterating. */
struct map_ent *map_next(const struct map *m, size_t *it, struct map_ent **cur);

#endif
