/*
 * The shared snapshot cache.
 */
#include "pkg/runtime/snapshot.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "pkg/base/clock.h"
#include "pkg/base/err.h"
#include "pkg/base/banned.h"

/* Writes older than this many windows cannot fence any snapshot that still serves: forgotten. */
#define WRITES_KEPT 256

static uintptr_t micros(double t)
{
        return (uintptr_t)(t * 1e6) + 1; /* never 0: a map value of 0 reads as "no write" */
}

/* micros() undone (to the microsecond). */
static double seconds(uintptr_t m)
{
        return (double)(m - 1) / 1e6;
}

void snapshot_cache_init(struct snapshot_cache *c, double window_s, void (*free_data)(void *))
{
        pthread_condattr_t attr;

        c->cur = NULL;
        c->reading = false;
        c->window = window_s;
        c->free_data = free_data;
        c->reads = 0;
        c->read_seq = 0;
        c->last_failed = false;
        map_init(&c->writes);
        pthread_mutex_init(&c->mu, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&c->cond, &attr);
        pthread_condattr_destroy(&attr);
}

/* Drop one reference. Lock held. */
static void unref(struct snapshot_cache *c, struct snapshot *s)
{
        if (s && --s->refs == 0) {
                c->free_data(s->data);
                free(s);
        }
}

void snapshot_cache_release(struct snapshot_cache *c)
{
        unref(c, c->cur);
        c->cur = NULL;
        map_release(&c->writes, NULL);
        pthread_cond_destroy(&c->cond);
        pthread_mutex_destroy(&c->mu);
}

/* Whether `s` is still within its window: one past it serves nobody. */
static bool fresh(const struct snapshot_cache *c, const struct snapshot *s)
{
        return s && clock_now() - s->done <= c->window;
}

/* Whether `s` serves `domain` now. Lock held. */
static bool serves(const struct snapshot_cache *c, const struct snapshot *s, const char *domain)
{
        uintptr_t wrote = (uintptr_t)map_get(&c->writes, domain);

        return fresh(c, s) && (!wrote || micros(s->taken) > wrote);
}

struct snapshot *snapshot_get(struct snapshot_cache *c, const char *domain,
                              void *(*read)(void *arg, struct err *err), void *arg, struct err *err)
{
        return snapshot_get_unfenced(c, domain, read, arg, NULL, err);
}

struct snapshot *snapshot_get_unfenced(struct snapshot_cache *c, const char *domain,
                                       void *(*read)(void *arg, struct err *err), void *arg,
                                       bool *fenced, struct err *err)
{
        struct snapshot *s = NULL;
        double taken;
        void *data;

        if (fenced)
                *fenced = false;
        pthread_mutex_lock(&c->mu);
        for (;;) {
                if (serves(c, c->cur, domain)) {
                        s = c->cur;
                        s->refs++;
                        pthread_mutex_unlock(&c->mu);
                        return s;
                }
                /* fresh, but written since: the others still use it, this one looks alone */
                if (fenced && fresh(c, c->cur)) {
                        *fenced = true;
                        pthread_mutex_unlock(&c->mu);
                        return NULL;
                }
                if (!c->reading)
                        break;
                /* a read in flight: it may serve; when it fails, it fails for us too (reading
                 * again at once against a server that just timed out would hold this worker
                 * for another timeout) */
                unsigned long seq = c->read_seq;
                while (c->reading && c->read_seq == seq)
                        pthread_cond_wait(&c->cond, &c->mu);
                if (c->read_seq != seq && c->last_failed) {
                        *err = c->last_err;
                        pthread_mutex_unlock(&c->mu);
                        return NULL;
                }
        }
        c->reading = true;
        /* a reading past its window serves nobody: let it go before the next one is built
         * (else both live at once, the operator's peak memory with a large cluster) */
        if (c->cur && !fresh(c, c->cur)) {
                unref(c, c->cur);
                c->cur = NULL;
        }
        pthread_mutex_unlock(&c->mu);

        taken = clock_now();
        data = read(arg, err);
        s = data ? malloc(sizeof(*s)) : NULL;

        pthread_mutex_lock(&c->mu);
        c->reading = false;
        c->read_seq++;
        c->last_failed = !s;
        if (!s) {
                if (data) {
                        c->free_data(data);
                        err_nomem(err);
                }
                c->last_err = *err;
                pthread_cond_broadcast(&c->cond);
                pthread_mutex_unlock(&c->mu);
                return NULL;
        }
        pthread_cond_broadcast(&c->cond);
        c->reads++;
        /* the cache's reference and the caller's */
        *s = (struct snapshot){data, taken, clock_now(), 2};
        unref(c, c->cur);
        c->cur = s;
        pthread_mutex_unlock(&c->mu);
        return s;
}

void snapshot_put(struct snapshot_cache *c, struct snapshot *s)
{
        pthread_mutex_lock(&c->mu);
        unref(c, s);
        pthread_mutex_unlock(&c->mu);
}

/* Forget writes older than any snapshot that still serves and than the memory
 * snapshot_last_write() promises. Lock held. */
static void forget_old_writes(struct snapshot_cache *c, double now)
{
        uintptr_t horizon = micros(
            now - (c->window > SNAPSHOT_WRITE_MEMORY_S ? c->window : SNAPSHOT_WRITE_MEMORY_S));
        struct map_ent *e = NULL;
        size_t it = 0, n = 0;
        char **old;

        if (c->writes.len < WRITES_KEPT)
                return;
        /* the current snapshot may have been read for longer than that: it serves until a
         * window after it finished, so a write since it began must still fence it */
        if (c->cur && micros(c->cur->taken) < horizon)
                horizon = micros(c->cur->taken);
        old = calloc(c->writes.len, sizeof(*old));
        if (!old)
                return;
        while (map_next(&c->writes, &it, &e))
                if ((uintptr_t)e->value < horizon)
                        old[n++] = e->key;
        for (size_t i = 0; i < n; i++)
                map_del(&c->writes, old[i]);
        free(old);
}

void snapshot_wrote(struct snapshot_cache *c, const char *domain)
{
        double now = clock_now();

        pthread_mutex_lock(&c->mu);
        forget_old_writes(c, now);
        /* out of memory: forget the current snapshot instead, which fences every domain */
        if (map_put(&c->writes, domain, (void *)micros(now), NULL) < 0) {
                unref(c, c->cur);
                c->cur = NULL;
        }
        pthread_mutex_unlock(&c->mu);
}

double snapshot_last_write(struct snapshot_cache *c, const char *domain)
{
        uintptr_t wrote;

        pthread_mutex_lock(&c->mu);
        wrote = (uintptr_t)map_get(&c->writes, domain);
        pthread_mutex_unlock(&c->mu);
        /* an entry past the memory may linger until the next forgetting */
        return wrote && clock_now() - seconds(wrote) <= SNAPSHOT_WRITE_MEMORY_S ? seconds(wrote)
                                                                                : 0;
}

unsigned long snapshot_reads(struct snapshot_cache *c)
{
        unsigned long n;

        pthread_mutex_lock(&c->mu);
        n = c->reads;
        pthread_mutex_unlock(&c->mu);
        return n;
}
