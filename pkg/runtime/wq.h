/*
 * The workqueue (client-go's semantics): a key is queued at most once however often it is
 * added; a key being processed is not handed to a second worker, and an add during processing
 * queues it again when the worker is done, so no change is lost and no key runs twice at once.
 * Failed keys come back after a per-key exponential backoff with jitter; keys can be delayed.
 * Two lanes: a key added with wq_add_low() (a new object, a periodic resync) is handed out
 * only when no key added with wq_add() (a change) is waiting, so an edit never queues behind a
 * resync of a thousand others; a low key added again with wq_add() moves up. Delayed keys and
 * retries come back in a third lane, after both: products that keep failing (a broker frozen,
 * each attempt holding a worker until its timeout) never starve new ones. Thread-safe.
 */
#ifndef PKG_RUNTIME_WQ_H
#define PKG_RUNTIME_WQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkg/base/backoff.h"
#include "pkg/base/map.h"
#include "pkg/base/vec.h"

#define WQ_LANES 3

struct wq {
        pthread_mutex_t mu;
        pthread_cond_t cond;
        /* char *, FIFOs from head[l], served in order: 0 changes, 1 new objects and resyncs,
         * 2 retries and delayed keys */
        struct vec lane[WQ_LANES];
        size_t head[WQ_LANES];
        struct map dirty;    /* keys waiting to be processed */
        struct map active;   /* keys being processed */
        struct map failures; /* key -> (uintptr_t) failures in a row */
        struct vec delayed;  /* struct wq_delayed * */
        struct backoff limit;
        bool shutting_down;
        uint32_t seed;
};

void wq_init(struct wq *q, uint32_t base_ms, uint32_t max_ms);
void wq_release(struct wq *q);

/* Queue `key` (copied) unless it is queued already. Returns 0, or -1 when memory ran out: the
 * key is then not queued, and not marked queued either, so a later add queues it. */
int wq_add(struct wq *q, const char *key);
/* Queue `key` in the low lane (behind every wq_add() key) unless it is queued already or
 * failing (its retry is scheduled: a resync must not bypass the backoff). */
int wq_add_low(struct wq *q, const char *key);
/* Queue `key` after `ms` milliseconds (an earlier pending time wins). */
void wq_add_after(struct wq *q, const char *key, uint32_t ms);
/* Queue `key` after its backoff (base * 2^failures, capped, jittered). Returns the delay. */
uint32_t wq_retry(struct wq *q, const char *key);
/* Bring the retries of failing keys forward to now: every one (`all`), else only the one due
 * first (a backend that was down answers again, or should be probed). Their failure counts
 * stay. Returns how many were brought forward. */
size_t wq_retry_now(struct wq *q, bool all);
/* Reset `key`'s failure count (after a success). */
void wq_forget(struct wq *q, const char *key);

/*
 * Block until a key is due and return it (caller frees it and must call wq_done with it).
 * Returns NULL once the queue is shut down.
 */
char *wq_get(struct wq *q);
/* wq_get(), but with `high_only` only keys of the high lane (a worker kept for changes, so
 * that an edit need not wait for a bulk load's reconcile in flight to finish). */
char *wq_get_lane(struct wq *q, bool high_only);
void wq_done(struct wq *q, const char *key);

/* Wake every waiting worker; wq_get returns NULL from now on. */
void wq_shutdown(struct wq *q);

/* Keys queued in both lanes (not counting delayed or active ones). */
size_t wq_len(struct wq *q);

#endif
