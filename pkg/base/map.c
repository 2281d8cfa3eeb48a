/*
 * String-keyed hash map.
 */
#include "pkg/base/map.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/base/banned.h"

static unsigned long hash_str(const char *s)
{
        unsigned long h = 1469598103934665603ul; /* FNV-1a */

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ul;
        return h;
}

void map_init(struct map *m)
{
        memset(m, 0, sizeof(*m));
}

void map_release(struct map *m, void (*free_value)(void *))
{
        for (size_t i = 0; i < m->nbuckets; i++) {
                struct map_ent *e = m->buckets[i];
                while (e) {
                        struct map_ent *next = e->next;
                        if (free_value)
                                free_value(e->value);
                        free(e);
                        e = next;
                }
        }
        free(m->buckets);
        map_init(m);
}

static struct map_ent **slot(const struct map *m, const char *key, unsigned long h)
{
        struct map_ent **p;

        if (!m->nbuckets)
                return NULL;
        p = &m->buckets[h & (m->nbuckets - 1)];
        while (*p && ((*p)->hash != h || strcmp((*p)->key, key) != 0))
                p = &(*p)->next;
        return p;
}

void *map_get(const struct map *m, const char *key)
{
        struct map_ent **p = slot(m, key, hash_str(key));

        return p && *p ? (*p)->value : NULL;
}

int map_has(const struct map *m, const char *key)
{
        struct map_ent **p = slot(m, key, hash_str(key));

        return p && *p;
}

static int grow(struct map *m)
{
        size_t n = m->nbuckets ? m->nbuckets * 2 : 16;
        struct map_ent **b = calloc(n, sizeof(*b));

        if (!b)
                return -1;
        for (size_t i = 0; i < m->nbuckets; i++) {
                struct map_ent *e = m->buckets[i];
                while (e) {
                        struct map_ent *next = e->next;
                        e->next = b[e->hash & (n - 1)];
                        b[e->hash & (n - 1)] = e;
                        e = next;
                }
        }
        free(m->buckets);
        m->buckets = b;
        m->nbuckets = n;
        return 0;
}

int map_put(struct map *m, const char *key, void *value, void **old)
{
        unsigned long h = hash_str(key);
        struct map_ent **p, *e;
        size_t klen;

        if (old)
                *old = NULL;
        p = slot(m, key, h);
        if (p && *p) {
                if (old)
                        *old = (*p)->value;
                (*p)->value = value;
                return 0;
        }
        if (m->len >= m->nbuckets && grow(m) < 0)
                return -1;
        klen = strlen(key);
        e = malloc(sizeof(*e) + klen + 1);
        if (!e)
                return -1;
        memcpy(e->key, key, klen + 1);
        e->hash = h;
        e->value = value;
        e->next = m->buckets[h & (m->nbuckets - 1)];
        m->buckets[h & (m->nbuckets - 1)] = e;
        m->len++;
        return 0;
}

void *map_del(struct map *m, const char *key)
{
        struct map_ent **p = slot(m, key, hash_str(key)), *e;
        void *v;

        if (!p || !*p)
                return NULL;
        e = *p;
        *p = e->next;
        v = e->value;
        free(e);
        m->len--;
        return v;
}

struct map_ent *map_next(const struct map *m, size_t *it, struct map_ent **cur)
{
        if (*cur && (*cur)->next)
                return *cur = (*cur)->next;
        for (size_t i = *cur ? *it + 1 : *it; i < m->nbuckets; i++) {
                if (m->buckets[i]) {
                        *it = i;
                        return *cur = m->buckets[i];
                }
        }
        *it = m->nbuckets;
        return *cur = NULL;
}
