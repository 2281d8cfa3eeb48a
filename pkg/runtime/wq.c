/*
 * The workqueue.
 */
#include "pkg/runtime/wq.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/base/clock.h"
#include "pkg/base/str.h"
#include "pkg/base/banned.h"

/* The lane a dirty key waits in (its value in `dirty`). */
#define LANE_HIGH  NULL
#define LANE_LOW   ((void *)1)
#define LANE_RETRY ((void *)2)

static size_t lane_index(void *lane)
{
        return (size_t)(uintptr_t)lane;
}

struct wq_delayed {
        double due; /* clock_now() seconds */
        char key[];
};

void wq_init(struct wq *q, uint32_t base_ms, uint32_t max_ms)
{
        pthread_condattr_t attr;

        memset(q, 0, sizeof(*q));
        pthread_mutex_init(&q->mu, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&q->cond, &attr);
        pthread_condattr_destroy(&attr);
        for (size_t l = 0; l < WQ_LANES; l++)
                vec_init(&q->lane[l]);
        vec_init(&q->delayed);
        map_init(&q->dirty);
        map_init(&q->active);
        map_init(&q->failures);
        q->limit.base_ms = base_ms;
        q->limit.max_ms = max_ms;
        q->seed = (uint32_t)time(NULL);
}

void wq_release(struct wq *q)
{
        for (size_t l = 0; l < WQ_LANES; l++) {
                for (size_t i = q->head[l]; i < q->lane[l].len; i++)
                        free(q->lane[l].items[i]);
                q->lane[l].len = 0;
                vec_release(&q->lane[l], NULL);
        }
        vec_release(&q->delayed, free);
        map_release(&q->dirty, NULL);
        map_release(&q->active, NULL);
        map_release(&q->failures, NULL);
        pthread_cond_destroy(&q->cond);
        pthread_mutex_destroy(&q->mu);
}

/* Append to a FIFO, compacting the consumed front now and then. Lock held. Returns 0, or -1
 * when memory runs out (the key is then not queued). */
static int push(struct vec *fifo, size_t *head, const char *key)
{
        char *copy = str_dup(key);

        if (!copy)
                return -1;
        if (*head > 64 && *head * 2 > fifo->len) {
                memmove(fifo->items, fifo->items + *head, (fifo->len - *head) * sizeof(void *));
                fifo->len -= *head;
                *head = 0;
        }
        if (vec_push(fifo, copy) < 0) {
                free(copy);
                return -1;
        }
        return 0;
}

/* Queue a dirty key in its lane; when that fails, forget that it is dirty, so that it is not
 * "queued" forever in `dirty` while in no queue (every later add would be dropped). Lock
 * held. */
static int push_dirty(struct wq *q, const char *key)
{
        size_t l = lane_index(map_get(&q->dirty, key));
        int rc = push(&q->lane[l], &q->head[l], key);

        if (rc == 0) {
                /* every waiter: one that takes only the high lane cannot take a low key */
                pthread_cond_broadcast(&q->cond);
                return 0;
        }
        map_del(&q->dirty, key);
        return -1;
}

/* The add itself. Lock held. A key waiting in the low lane that is added to the high one moves
 * there (its low entry is skipped when it comes up). */
static int add_locked(struct wq *q, const char *key, void *lane)
{
        if (q->shutting_down)
                return 0;
        /* a resync of a key that is failing: its retry is already scheduled, with backoff */
        if (lane == LANE_LOW && map_has(&q->failures, key))
                return 0;
        if (map_has(&q->dirty, key)) {
                if (lane != LANE_HIGH || map_get(&q->dirty, key) == LANE_HIGH)
                        return 0;
                map_put(&q->dirty, key, LANE_HIGH, NULL); /* replaces: cannot fail */
                return map_has(&q->active, key) ? 0 : push_dirty(q, key);
        }
        if (map_put(&q->dirty, key, lane, NULL) < 0)
                return -1;
        if (map_has(&q->active, key)) /* wq_done queues it */
                return 0;
        return push_dirty(q, key);
}

int wq_add(struct wq *q, const char *key)
{
        int rc;

        pthread_mutex_lock(&q->mu);
        rc = add_locked(q, key, LANE_HIGH);
        pthread_mutex_unlock(&q->mu);
        return rc;
}

int wq_add_low(struct wq *q, const char *key)
{
        int rc;

        pthread_mutex_lock(&q->mu);
        rc = add_locked(q, key, LANE_LOW);
        pthread_mutex_unlock(&q->mu);
        return rc;
}

void wq_add_after(struct wq *q, const char *key, uint32_t ms)
{
        double due = clock_now() + ms / 1000.0;
        struct wq_delayed *d;

        if (ms == 0) {
                wq_add(q, key);
                return;
        }
        pthread_mutex_lock(&q->mu);
        for (size_t i = 0; i < q->delayed.len; i++) {
                d = q->delayed.items[i];
                if (strcmp(d->key, key) == 0) {
                        if (due < d->due)
                                d->due = due;
                        goto out;
                }
        }
        d = malloc(sizeof(*d) + strlen(key) + 1);
        if (!d)
                goto out;
        d->due = due;
        memcpy(d->key, key, strlen(key) + 1);
        if (vec_push(&q->delayed, d) < 0)
                free(d);
        pthread_cond_broadcast(&q->cond); /* a waiter may need to wake earlier */
out:
        pthread_mutex_unlock(&q->mu);
}

uint32_t wq_retry(struct wq *q, const char *key)
{
        uintptr_t n;
        uint32_t delay;

        pthread_mutex_lock(&q->mu);
        n = (uintptr_t)map_get(&q->failures, key);
        map_put(&q->failures, key, (void *)(n + 1), NULL);
        q->seed = q->seed * 1103515245u + 12345u;
        delay = backoff_delay_ms(&q->limit, (unsigned)n, q->seed >> 8);
        pthread_mutex_unlock(&q->mu);
        wq_add_after(q, key, delay ? delay : 1);
        return delay;
}

size_t wq_retry_now(struct wq *q, bool all)
{
        struct wq_delayed *first = NULL;
        double now = clock_now();
        size_t n = 0;

        pthread_mutex_lock(&q->mu);
        for (size_t i = 0; i < q->delayed.len; i++) {
                struct wq_delayed *d = q->delayed.items[i];
                if (d->due <= now || !map_get(&q->failures, d->key))
                        continue;
                if (all) {
                        d->due = now;
                        n++;
                } else if (!first || d->due < first->due) {
                        first = d;
                }
        }
        if (first) {
                first->due = now;
                n = 1;
        }
        if (n)
                pthread_cond_broadcast(&q->cond);
        pthread_mutex_unlock(&q->mu);
        return n;
}

void wq_forget(struct wq *q, const char *key)
{
        pthread_mutex_lock(&q->mu);
        map_del(&q->failures, key);
        pthread_mutex_unlock(&q->mu);
}

/* Move due delayed keys into the queue; return the earliest remaining due time or 0. */
static double promote(struct wq *q, double now)
{
        double next = 0;

        for (size_t i = 0; i < q->delayed.len;) {
                struct wq_delayed *d = q->delayed.items[i];
                if (d->due <= now) {
                        vec_remove(&q->delayed, i);
                        add_locked(q, d->key, LANE_RETRY);
                        free(d);
                        continue;
                }
                if (!next || d->due < next)
                        next = d->due;
                i++;
        }
        return next;
}

static void wait_until(struct wq *q, double due)
{
        struct timespec ts;

        if (!clock_is_real()) { /* a test clock: look again soon */
                clock_gettime(CLOCK_MONOTONIC, &ts);
                ts.tv_nsec += 10 * 1000 * 1000;
                ts.tv_sec += ts.tv_nsec / 1000000000;
                ts.tv_nsec %= 1000000000;
                pthread_cond_timedwait(&q->cond, &q->mu, &ts);
                return;
        }
        if (!due) {
                pthread_cond_wait(&q->cond, &q->mu);
                return;
        }
        ts.tv_sec = (time_t)due;
        ts.tv_nsec = (long)((due - (double)ts.tv_sec) * 1e9);
        pthread_cond_timedwait(&q->cond, &q->mu, &ts);
}

/*
 * The next key of a lane that is still due there: dirty in this lane and not being processed.
 * Entries left behind by a move to the high lane are dropped. Lock held. NULL when none.
 */
static char *pop(struct wq *q, struct vec *fifo, size_t *head, void *lane)
{
        while (*head < fifo->len) {
                char *key = fifo->items[(*head)++];
                if (map_has(&q->dirty, key) && map_get(&q->dirty, key) == lane &&
                    !map_has(&q->active, key))
                        return key;
                free(key);
        }
        return NULL;
}

char *wq_get(struct wq *q)
{
        return wq_get_lane(q, false);
}

char *wq_get_lane(struct wq *q, bool high_only)
{
        char *key = NULL;

        pthread_mutex_lock(&q->mu);
        while (!q->shutting_down) {
                double next = promote(q, clock_now());
                for (size_t l = 0; !key && l < (high_only ? 1 : WQ_LANES); l++)
                        key = pop(q, &q->lane[l], &q->head[l], (void *)(uintptr_t)l);
                if (key) {
                        map_del(&q->dirty, key);
                        map_put(&q->active, key, NULL, NULL);
                        break;
                }
                wait_until(q, next);
        }
        pthread_mutex_unlock(&q->mu);
        return key;
}

void wq_done(struct wq *q, const char *key)
{
        pthread_mutex_lock(&q->mu);
        map_del(&q->active, key);
        if (map_has(&q->dirty, key)) /* added while it was processed */
                push_dirty(q, key);
        pthread_mutex_unlock(&q->mu);
}

void wq_shutdown(struct wq *q)
{
        pthread_mutex_lock(&q->mu);
        q->shutting_down = true;
        pthread_cond_broadcast(&q->cond);
        pthread_mutex_unlock(&q->mu);
}

size_t wq_len(struct wq *q)
{
        struct map_ent *e = NULL;
        size_t n;

        pthread_mutex_lock(&q->mu);
        n = q->dirty.len; /* each dirty key is queued once, unless it waits for its wq_done() */
        for (size_t it = 0; map_next(&q->active, &it, &e);)
                n -= (size_t)map_has(&q->dirty, e->key);
        pthread_mutex_unlock(&q->mu);
        return n;
}
