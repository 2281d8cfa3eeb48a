#include "pkg/reconcile/speccache.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

struct spec_entry {
        char *uid;
        long long generation;
        struct product *product;
        char *message;
};

static void entry_free(void *x)
{
        struct spec_entry *e = x;

        if (!e)
                return;
        free(e->uid);
        product_free(e->product);
        free(e->message);
        free(e);
}

void spec_cache_init(struct spec_cache *c)
{
        pthread_mutex_init(&c->mu, NULL);
        map_init(&c->entries);
        c->hits = c->misses = 0;
}

void spec_cache_release(struct spec_cache *c)
{
        map_release(&c->entries, entry_free);
        pthread_mutex_destroy(&c->mu);
}

int spec_cache_get(struct spec_cache *c, const char *key, const char *uid, long long generation,
                   const struct product **product, const char **message)
{
        const struct spec_entry *e;
        int found;

        pthread_mutex_lock(&c->mu);
        e = map_get(&c->entries, key);
        found = e && e->generation == generation && strcmp(e->uid, uid) == 0;
        if (found) {
                *product = e->product;
                *message = e->message;
                c->hits++;
        } else {
                c->misses++;
        }
        pthread_mutex_unlock(&c->mu);
        return found;
}

int spec_cache_put(struct spec_cache *c, const char *key, const char *uid, long long generation,
                   struct product *product, const char *message)
{
        struct spec_entry *e = calloc(1, sizeof(*e));
        void *old = NULL;
        int rc = -1;

        if (e) {
                e->uid = str_dup(uid);
                e->generation = generation;
                e->message = message ? str_dup(message) : NULL;
                e->product = product;
                product = NULL;
        }
        pthread_mutex_lock(&c->mu);
        if (e && e->uid && (e->message || !message) && map_put(&c->entries, key, e, &old) == 0) {
                e = NULL;
                rc = 0;
        } else {
                old = map_del(&c->entries, key);
        }
        pthread_mutex_unlock(&c->mu);
        entry_free(old);
        entry_free(e);
        product_free(product);
        return rc;
}

void spec_cache_drop(struct spec_cache *c, const char *key)
{
        struct spec_entry *e;

        pthread_mutex_lock(&c->mu);
        e = map_del(&c->entries, key);
        pthread_mutex_unlock(&c->mu);
        entry_free(e);
}
