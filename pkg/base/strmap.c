/*
 * Sorted string-to-string map.
 */
#include "pkg/base/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/base/banned.h"

void strmap_init(struct strmap *m, size_t max)
{
        m->items = NULL;
        m->len = 0;
        m->cap = 0;
        m->max = max;
}

void strmap_release(struct strmap *m)
{
        for (size_t i = 0; i < m->len; i++) {
                free(m->items[i].key);
                free(m->items[i].value);
        }
        free(m->items);
        strmap_init(m, m->max);
}

/* The index of `key`, or where it would go (the first entry whose key is greater). */
static size_t slot(const struct strmap *m, const char *key, bool *found)
{
        size_t lo = 0, hi = m->len;

        *found = false;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(m->items[mid].key, key);
                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

/* Room for one more entry: within the cap, growing the array when it is full. */
static int reserve(struct strmap *m)
{
        size_t cap;
        struct strmap_ent *p;

        if (m->len >= m->max)
                return STRMAP_FULL;
        if (m->len < m->cap)
                return STRMAP_OK;
        cap = m->cap ? m->cap * 2 : 8;
        if (cap > m->max)
                cap = m->max;
        if (cap > ((size_t)-1) / sizeof(*p))
                return STRMAP_NOMEM;
        p = realloc(m->items, cap * sizeof(*p));
        if (!p)
                return STRMAP_NOMEM;
        m->items = p;
        m->cap = cap;
        return STRMAP_OK;
}

int strmap_set(struct strmap *m, const char *key, const char *value)
{
        bool found;
        size_t i = slot(m, key, &found);
        char *v = strdup(value), *k = NULL;
        int rc;

        if (!v)
                return STRMAP_NOMEM;
        if (found) {
                free(m->items[i].value);
                m->items[i].value = v;
                return STRMAP_OK;
        }
        rc = reserve(m);
        if (rc == STRMAP_OK) {
                k = strdup(key);
                rc = k ? STRMAP_OK : STRMAP_NOMEM;
        }
        if (rc != STRMAP_OK) {
                free(v);
                return rc;
        }
        memmove(&m->items[i + 1], &m->items[i], (m->len - i) * sizeof(m->items[0]));
        m->items[i].key = k;
        m->items[i].value = v;
        m->len++;
        return STRMAP_OK;
}

const char *strmap_get(const struct strmap *m, const char *key)
{
        bool found;
        size_t i = slot(m, key, &found);

        return found ? m->items[i].value : NULL;
}

bool strmap_del(struct strmap *m, const char *key)
{
        bool found;
        size_t i = slot(m, key, &found);

        if (!found)
                return false;
        free(m->items[i].key);
        free(m->items[i].value);
        memmove(&m->items[i], &m->items[i + 1], (m->len - i - 1) * sizeof(m->items[0]));
        m->len--;
        return true;
}

int strmap_copy(struct strmap *dst, const struct strmap *src)
{
        strmap_release(dst);
        if (src->len > dst->max)
                return STRMAP_FULL;
        if (!src->len)
                return STRMAP_OK;
        dst->items = calloc(src->len, sizeof(dst->items[0]));
        if (!dst->items)
                return STRMAP_NOMEM;
        dst->cap = src->len;
        /* src is sorted already: append in order, no search */
        for (; dst->len < src->len; dst->len++) {
                struct strmap_ent *d = &dst->items[dst->len];
                d->key = strdup(src->items[dst->len].key);
                d->value = strdup(src->items[dst->len].value);
                if (!d->key || !d->value) {
                        dst->len++; /* release frees this half-made entry too */
                        strmap_release(dst);
                        return STRMAP_NOMEM;
                }
        }
        return STRMAP_OK;
}

bool strmap_equal(const struct strmap *a, const struct strmap *b)
{
        if (a->len != b->len)
                return false;
        for (size_t i = 0; i < a->len; i++)
                if (strcmp(a->items[i].key, b->items[i].key) != 0 ||
                    strcmp(a->items[i].value, b->items[i].value) != 0)
                        return false;
        return true;
}
