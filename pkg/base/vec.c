#include "pkg/base/vec.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/base/banned.h"

void vec_init(struct vec *v)
{
        v->items = NULL;
        v->len = 0;
        v->cap = 0;
}

int vec_push(struct vec *v, void *item)
{
        if (v->len == v->cap) {
                size_t cap = v->cap ? v->cap * 2 : 8;
                void **p;

                if (cap > ((size_t)-1) / sizeof(*p))
                        return -1;
                p = realloc(v->items, cap * sizeof(*p));
                if (!p)
                        return -1;
                v->items = p;
                v->cap = cap;
        }
        v->items[v->len++] = item;
        return 0;
}

void vec_release(struct vec *v, void (*free_item)(void *))
{
        if (free_item)
                for (size_t i = 0; i < v->len; i++)
                        free_item(v->items[i]);
        free(v->items);
        vec_init(v);
}

void vec_sort(struct vec *v, int (*cmp)(const void *, const void *))
{
        if (v->len > 1)
                qsort(v->items, v->len, sizeof(v->items[0]), cmp);
}

void *vec_remove(struct vec *v, size_t i)
{
        void *item;

        if (i >= v->len)
                return NULL;
        item = v->items[i];
        memmove(&v->items[i], &v->items[i + 1], (v->len - i - 1) * sizeof(v->items[0]));
        v->len--;
        return item;
}
