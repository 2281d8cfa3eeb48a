/*
 * The controller: watch thread (cache), resync thread, workers.
 */
#include "pkg/runtime/controller.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/base/backoff.h"
#include "pkg/base/clock.h"
#include "pkg/base/err.h"
#include "pkg/base/log.h"
#include "pkg/base/str.h"
#include "pkg/kube/kube.h"
#include "pkg/runtime/metrics.h"
#include "pkg/base/banned.h"

#define LIST_PAGE  100 /* a page is parsed as a whole: keep the transient small */
#define WATCH_GONE 410

#define LABEL_MAX    640
#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

struct cached {
        char *json; /* compact, slimmed */
        long long generation;
        bool deleting;
        unsigned long annotations; /* hash of metadata.annotations */
        char created[40];
        char label[LABEL_MAX];
};

static void cached_free(void *v)
{
        struct cached *e = v;

        if (e)
                free(e->json);
        free(e);
}

static unsigned long hash_text(const char *s)
{
        unsigned long h = 1469598103934665603ul;

        for (; s && *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ul;
        return h;
}

/* Drop what a reconcile never reads and that dominates an object's size. */
static void slim(json_object *obj)
{
        json_object *meta = NULL, *ann = NULL;

        if (!json_object_object_get_ex(obj, "metadata", &meta))
                return;
        json_object_object_del(meta, "managedFields");
        if (json_object_object_get_ex(meta, "annotations", &ann)) {
                json_object_object_del(ann, LAST_APPLIED);
                if (json_object_object_length(ann) == 0)
                        json_object_object_del(meta, "annotations");
        }
}

/* The cache entry for `obj` (which is slimmed in place), or NULL when out of memory. */
static struct cached *cached_new(struct controller *c, json_object *obj)
{
        struct cached *e = calloc(1, sizeof(*e));
        json_object *meta = NULL, *ann = NULL;

        if (!e)
                return NULL;
        slim(obj);
        e->json = str_dup(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
        if (!e->json) {
                free(e);
                return NULL;
        }
        e->generation = kube_generation(obj);
        e->deleting = kube_meta_str(obj, "deletionTimestamp")[0] != 0;
        if (json_object_object_get_ex(obj, "metadata", &meta) &&
            json_object_object_get_ex(meta, "annotations", &ann))
                e->annotations =
                    hash_text(json_object_to_json_string_ext(ann, JSON_C_TO_STRING_PLAIN));
        snprintf(e->created, sizeof(e->created), "%s", kube_meta_str(obj, "creationTimestamp"));
        if (c->ops->label)
                c->ops->label(c->arg, obj, e->label, sizeof(e->label));
        return e;
}

/* Whether a change from `old` to `cur` is worth a reconcile. */
static bool relevant(const struct cached *old, const struct cached *cur)
{
        return old->generation != cur->generation || cur->deleting ||
               old->annotations != cur->annotations;
}

static void key_of(json_object *obj, char *out, size_t n)
{
        snprintf(out, n, "%s/%s", kube_ns(obj), kube_name(obj));
}

/* Sleep up to `ms`, waking early on stop. */
static void nap(struct controller *c, uint32_t ms)
{
        for (uint32_t slept = 0; slept < ms && !atomic_load(&c->stop); slept += 100) {
                struct timespec ts = {0, 100 * 1000000L};
                nanosleep(&ts, NULL);
        }
}

/* Store `cur` (taken; NULL when it could not be made) under `key` and queue the key when it
 * matters: a change to a known object (an edit, a deletion) in the workqueue's high lane; an
 * object new to the cache (the first list, a bulk load) in the low lane, with the resyncs, so
 * that one user's edit is not queued behind a thousand new objects. Cache lock held. */
static void upsert_locked(struct controller *c, const char *key, struct cached *cur)
{
        struct cached *old = NULL;

        if (!cur || map_put(&c->cache, key, cur, (void **)&old) < 0) {
                cached_free(cur);
                wq_add(&c->queue, key); /* the worker finds the old entry; a relist repairs */
                return;
        }
        if (!old)
                wq_add_low(&c->queue, key);
        else if (relevant(old, cur))
                wq_add(&c->queue, key);
        cached_free(old);
}

/* Drop `key` from the cache and queue it; returns the old entry for the deleted hook. */
static struct cached *remove_locked(struct controller *c, const char *key)
{
        wq_add(&c->queue, key); /* before map_del: `key` may live in the entry */
        return map_del(&c->cache, key);
}

/* Tell the operator about a vanished object. Called without the cache lock. */
static void gone_hook(struct controller *c, struct cached *old)
{
        if (old && c->ops->deleted)
                c->ops->deleted(c->arg, old->label);
        cached_free(old);
}

static const char *str_at(json_object *o, const char *a, const char *b)
{
        json_object *x = NULL, *y = NULL;

        if (!json_object_object_get_ex(o, a, &x) || !json_object_object_get_ex(x, b, &y))
                return NULL;
        return json_object_get_string(y);
}

/* Merge one list page into `seen` (key -> struct cached *). Returns the continue token or
 * NULL. */
static char *take_page(struct controller *c, json_object *page, struct map *seen)
{
        json_object *items = NULL;
        const char *cont = str_at(page, "metadata", "continue");

        if (json_object_object_get_ex(page, "items", &items)) {
                for (size_t i = 0; i < json_object_array_length(items); i++) {
                        json_object *o = json_object_array_get_idx(items, i);
                        char key[512];
                        /* list items carry no kind; events about them need it */
                        json_object_object_add(o, "apiVersion",
                                               json_object_new_string(c->cfg.api_version));
                        json_object_object_add(o, "kind", json_object_new_string(c->cfg.kind));
                        key_of(o, key, sizeof(key));
                        /* as text at once: 1,000 parsed objects would take ~100 MB */
                        struct cached *e = cached_new(c, o), *dup = NULL;
                        if (!e || map_put(seen, key, e, (void **)&dup) < 0)
                                cached_free(e);
                        cached_free(dup);
                }
        }
        return cont && *cont ? str_dup(cont) : NULL;
}

/* Replace the cache with `seen`, queueing what is new, changed or gone. */
static void swap_cache(struct controller *c, struct map *seen, const char *rv)
{
        size_t it = 0;
        struct map_ent *e = NULL;
        struct vec gone = VEC_INIT;

        pthread_mutex_lock(&c->mu);
        while (map_next(&c->cache, &it, &e))
                if (!map_has(seen, e->key))
                        vec_push(&gone, e->key);
        for (size_t i = 0; i < gone.len; i++)
                gone.items[i] = remove_locked(c, gone.items[i]); /* now the old object */
        it = 0;
        e = NULL;
        while (map_next(seen, &it, &e)) {
                upsert_locked(c, e->key, e->value);
                e->value = NULL; /* the cache has it now */
        }
        snprintf(c->rv, sizeof(c->rv), "%s", rv ? rv : "");
        atomic_store(&c->metrics->objects, c->cache.len);
        pthread_mutex_unlock(&c->mu);
        for (size_t i = 0; i < gone.len; i++)
                gone_hook(c, gone.items[i]);
        vec_release(&gone, NULL);
}

static int list_all(struct controller *c, struct err *err)
{
        struct map seen;
        char *cont = NULL, path[1024], esc[512];
        int rc = -1;

        map_init(&seen);
        atomic_fetch_add(&c->metrics->relists, 1);
        do {
                json_object *page = NULL;
                if (cont && kube_query_escape(cont, esc, sizeof(esc)) < 0) {
                        err_set(err, ERR_INTERNAL, "list continue token too long");
                        goto out;
                }
                snprintf(path, sizeof(path), "%s?limit=%d%s%s", c->cfg.path, LIST_PAGE,
                         cont ? "&continue=" : "", cont ? esc : "");
                free(cont);
                cont = NULL;
                if (kube_request(c->watch_client, "GET", path, NULL, NULL, &page, err) < 0)
                        goto out;
                cont = take_page(c, page, &seen);
                if (!cont)
                        swap_cache(c, &seen, str_at(page, "metadata", "resourceVersion"));
                json_object_put(page);
        } while (cont);
        atomic_store(&c->synced, true);
        rc = 0;
out:
        free(cont);
        map_release(&seen, cached_free);
        malloc_trim(0); /* give the pages' parse trees back to the system */
        return rc;
}

static int on_event(void *arg, const char *type, json_object *obj)
{
        struct controller *c = arg;
        const char *rv = kube_meta_str(obj, "resourceVersion");
        char key[512];
        struct cached *old = NULL;

        if (strcmp(type, "ERROR") == 0) {
                json_object *code = NULL;
                json_object_object_get_ex(obj, "code", &code);
                return code && json_object_get_int(code) == WATCH_GONE ? WATCH_GONE : -1;
        }
        pthread_mutex_lock(&c->mu);
        if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0) {
                key_of(obj, key, sizeof(key));
                upsert_locked(c, key, cached_new(c, obj));
        } else if (strcmp(type, "DELETED") == 0) {
                key_of(obj, key, sizeof(key));
                old = remove_locked(c, key);
        }
        if (*rv)
                snprintf(c->rv, sizeof(c->rv), "%s", rv);
        atomic_store(&c->metrics->objects, c->cache.len);
        pthread_mutex_unlock(&c->mu);
        gone_hook(c, old);
        return 0;
}

static int watch_once(struct controller *c, uint32_t rnd, struct err *err)
{
        char path[1024], rv[64];
        uint32_t t = c->cfg.watch_timeout_s;

        pthread_mutex_lock(&c->mu);
        snprintf(rv, sizeof(rv), "%s", c->rv);
        pthread_mutex_unlock(&c->mu);
        /* jitter the timeout so that replicas and restarts do not re-watch in step */
        t = t + rnd % (t / 4 + 1);
        snprintf(path, sizeof(path),
                 "%s?watch=1&allowWatchBookmarks=true&resourceVersion=%s&timeoutSeconds=%u",
                 c->cfg.path, rv, t);
        return kube_watch(c->watch_client, path, on_event, c, &c->stop, err);
}

/* The watch thread: list, watch, re-watch from the last resourceVersion, relist on 410. */
static void *watcher(void *arg)
{
        struct controller *c = arg;
        struct backoff b = {500, 30000};
        unsigned attempt = 0;
        bool need_list = true;
        struct err err;
        uint32_t rnd = (uint32_t)time(NULL);

        while (!atomic_load(&c->stop)) {
                int rc;
                err_clear(&err);
                rnd = rnd * 1103515245u + 12345u;
                rc = need_list ? list_all(c, &err) : watch_once(c, rnd >> 8, &err);
                if (rc == 0) {
                        if (!need_list)
                                atomic_fetch_add(&c->metrics->watch_restarts, 1);
                        need_list = false;
                        attempt = 0;
                        continue;
                }
                if (rc == WATCH_GONE || err.kind == ERR_CONFLICT) {
                        log_info(NULL, "watch: resourceVersion too old, listing again");
                        need_list = true;
                        continue;
                }
                uint32_t d = backoff_delay_ms(&b, attempt++, rnd >> 8);
                log_warn(NULL, "watch %s failed (retry in %u ms): %s", c->cfg.path, d, err.msg);
                need_list = need_list || attempt > 3;
                nap(c, d);
        }
        return NULL;
}

/* Which second of the resync period `key` is re-checked in (FNV-1a: spread evenly). */
static uint32_t resync_slot(const char *key, uint32_t slots)
{
        uint32_t h = 2166136261u;

        for (const unsigned char *p = (const unsigned char *)key; *p; p++)
                h = (h ^ *p) * 16777619u;
        return h % slots;
}

/*
 * The resync thread: every key once per resync_s, spread over the period (each second the keys
 * of that second's slot) rather than all at once, and in the workqueue's low lane, so that
 * changes are served first. It also calls the ops' tick once a second.
 */
static void *resyncer(void *arg)
{
        struct controller *c = arg;
        uint32_t slots = c->cfg.resync_s, slot = 0;

        pthread_mutex_lock(&c->mu);
        while (!atomic_load(&c->stop)) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_sec += 1;
                if (pthread_cond_timedwait(&c->wake, &c->mu, &ts) == 0 || atomic_load(&c->stop))
                        continue;
                if (c->ops->tick) {
                        pthread_mutex_unlock(&c->mu);
                        c->ops->tick(c->arg);
                        pthread_mutex_lock(&c->mu);
                }
                if (!slots)
                        continue;
                slot = (slot + 1) % slots;
                size_t it = 0;
                struct map_ent *e = NULL;
                while (map_next(&c->cache, &it, &e))
                        if (resync_slot(e->key, slots) == slot)
                                wq_add_low(&c->queue, e->key);
        }
        pthread_mutex_unlock(&c->mu);
        return NULL;
}

struct worker_arg {
        struct controller *c;
        int index;
};

/* A private, parsed copy of the cached object, or NULL when there is none. */
static json_object *cached_copy(struct controller *c, const char *key)
{
        struct cached *e;
        char *text = NULL;
        json_object *obj;

        pthread_mutex_lock(&c->mu);
        e = map_get(&c->cache, key);
        if (e)
                text = str_dup(e->json);
        pthread_mutex_unlock(&c->mu);
        obj = text ? json_tokener_parse(text) : NULL;
        free(text);
        return obj;
}

static void *worker(void *arg)
{
        struct worker_arg *w = arg;
        struct controller *c = w->c;
        char *key;

        while ((key = wq_get_lane(&c->queue, w->index >= c->cfg.workers))) {
                json_object *obj = cached_copy(c, key);
                uint32_t again = 0;
                double t0 = clock_now();
                enum reconcile_result r = c->ops->reconcile(c->arg, w->index, key, obj, &again);

                json_object_put(obj);
                metrics_observe_duration(c->metrics, clock_now() - t0);
                atomic_fetch_add(&c->metrics->reconciles, 1);
                if (r == RECONCILE_RETRY) {
                        atomic_fetch_add(&c->metrics->errors, 1);
                        wq_retry(&c->queue, key);
                } else {
                        wq_forget(&c->queue, key);
                        if (r == RECONCILE_REQUEUE)
                                wq_add_after(&c->queue, key, again);
                }
                wq_done(&c->queue, key);
                free(key);
                /* idle now: return what the reconciles' parse trees left in the heap */
                if (wq_len(&c->queue) == 0)
                        malloc_trim(0);
        }
        free(w);
        return NULL;
}

/* Start the workers; returns 0, or -1 with c->nworkers saying how many run. */
static int start_workers(struct controller *c)
{
        for (int i = 0; i < c->cfg.workers + c->cfg.priority_workers; i++) {
                struct worker_arg *w = malloc(sizeof(*w));
                if (!w)
                        return -1;
                w->c = c;
                w->index = i;
                if (pthread_create(&c->workers[i], NULL, worker, w) != 0) {
                        free(w);
                        return -1;
                }
                c->nworkers++;
        }
        return 0;
}

/* Stop and join what runs, free the rest. */
static void teardown(struct controller *c)
{
        atomic_store(&c->stop, 1);
        wq_shutdown(&c->queue);
        pthread_mutex_lock(&c->mu);
        pthread_cond_broadcast(&c->wake);
        pthread_mutex_unlock(&c->mu);
        for (int i = 0; i < c->nworkers; i++)
                pthread_join(c->workers[i], NULL); /* in-flight reconciles finish */
        if (c->watching)
                pthread_join(c->watcher, NULL);
        if (c->resyncing)
                pthread_join(c->resyncer, NULL);
        wq_release(&c->queue);
        map_release(&c->cache, cached_free);
        kube_free(c->watch_client);
        free(c->workers);
        pthread_cond_destroy(&c->wake);
        pthread_mutex_destroy(&c->mu);
}

size_t controller_retry_now(struct controller *c, bool all)
{
        return wq_retry_now(&c->queue, all);
}

int controller_start(struct controller *c, const struct controller_config *cfg,
                     const struct controller_ops *ops, void *arg, const struct kube_config *kc,
                     struct metrics *m, struct err *err)
{
        memset(c, 0, sizeof(*c));
        c->cfg = *cfg;
        c->ops = ops;
        c->arg = arg;
        c->kube_cfg = kc;
        c->metrics = m;
        c->watch_client = kube_new(kc, err);
        if (!c->watch_client)
                return -1;
        if (m)
                kube_set_observer(c->watch_client, metrics_kube_request, m); /* lists */
        c->workers = cfg->workers > 0 && cfg->priority_workers >= 0
                         ? calloc((size_t)(cfg->workers + cfg->priority_workers), sizeof(pthread_t))
                         : NULL;
        if (!c->workers) {
                kube_free(c->watch_client);
                return cfg->workers > 0 ? err_nomem(err)
                                        : err_set(err, ERR_INVALID, "workers must be 1 or more");
        }
        pthread_mutex_init(&c->mu, NULL);
        pthread_cond_init(&c->wake, NULL);
        map_init(&c->cache);
        wq_init(&c->queue, cfg->retry_base_ms, cfg->retry_max_ms);
        c->watching = pthread_create(&c->watcher, NULL, watcher, c) == 0;
        bool timed = cfg->resync_s || ops->tick;
        c->resyncing = timed && c->watching && pthread_create(&c->resyncer, NULL, resyncer, c) == 0;
        if (!c->watching || (timed && !c->resyncing) || start_workers(c) < 0) {
                teardown(c);
                return err_set(err, ERR_INTERNAL, "cannot start the controller's threads");
        }
        c->started = 1;
        return 0;
}

void controller_stop(struct controller *c)
{
        if (!c->started)
                return;
        teardown(c);
        c->started = 0;
}

void controller_enqueue(struct controller *c, const char *key)
{
        wq_add(&c->queue, key);
}

void controller_each(struct controller *c,
                     void (*fn)(void *arg, const char *key, const char *label, const char *created),
                     void *arg)
{
        size_t it = 0;
        struct map_ent *e = NULL;

        pthread_mutex_lock(&c->mu);
        while (map_next(&c->cache, &it, &e)) {
                const struct cached *x = e->value;
                fn(arg, e->key, x->label, x->created);
        }
        pthread_mutex_unlock(&c->mu);
}

void controller_each_json(struct controller *c,
                          void (*fn)(void *arg, const char *key, const char *json), void *arg)
{
        size_t it = 0;
        struct map_ent *e = NULL;

        pthread_mutex_lock(&c->mu);
        while (map_next(&c->cache, &it, &e)) {
                const struct cached *x = e->value;
                fn(arg, e->key, x->json);
        }
        pthread_mutex_unlock(&c->mu);
}

bool controller_synced(struct controller *c)
{
        return atomic_load(&c->synced);
}

size_t controller_queue_len(struct controller *c)
{
        return wq_len(&c->queue);
}
