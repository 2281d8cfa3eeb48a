/*
 * A growable array of pointers. The vector owns its slots, not what they point to: whoever
 * releases it says how to free the items (vec_release with a free function, or NULL to keep
 * them). Used for every list in the model: topics, ACLs, subjects, plan operations.
 */
#ifndef PKG_BASE_VEC_H
#define PKG_BASE_VEC_H

#include <stddef.h>

struct vec {
        void **items;
        size_t len;
        size_t cap;
};

#define VEC_INIT           \
        {                  \
                NULL, 0, 0 \
        }

void vec_init(struct vec *v);

/* Append `item`. Returns 0, or -1 when memory runs out (the item is then not owned by v). */
int vec_push(struct vec *v, void *item);

/* Free the slots, calling `free_item` on each item first unless it is NULL. */
void vec_release(struct vec *v, void (*free_item)(void *));

/* Sort with a qsort comparator over the items (receives `const void *` to each slot). */
void vec_sort(struct vec *v, int (*cmp)(const void *, const void *));

/* Remove and return the item at `i`, keeping order. */
void *vec_remove(struct vec *v, size_t i);

#endif
