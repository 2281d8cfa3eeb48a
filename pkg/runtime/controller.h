/*
 * A level-based controller for one resource type, after controller-runtime: a watch thread
 * keeps a cache of every object current (list, then watch from the list's resourceVersion with
 * bookmarks; relist on 410 Gone; back off with jitter on errors) and queues the keys
 * ("namespace/name") of objects that changed; worker threads take keys from the workqueue and
 * call `reconcile` with the latest cached object — never with the watch event itself; a resync
 * thread queues every key once per period, spread over it, so drift made outside Kubernetes is
 * corrected. Edits and deletions of known objects go first; new objects and resyncs follow
 * (the workqueue's two lanes).
 *
 * The cache keeps each object as compact JSON text without metadata.managedFields and
 * kubectl's last-applied-configuration annotation (json-c trees cost ~30x the text), plus
 * what the watch compares: generation, deletion, annotations, a label. A modification is
 * queued only when the generation moved, the object is being deleted or its annotations
 * changed (status writes, including our own, do not cause a reconcile).
 */
#ifndef PKG_RUNTIME_CONTROLLER_H
#define PKG_RUNTIME_CONTROLLER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "pkg/base/map.h"
#include "pkg/runtime/wq.h"

struct err;
struct kube;
struct kube_config;
struct metrics;

enum reconcile_result {
        RECONCILE_DONE,    /* converged (or nothing to do): forget the key's failures */
        RECONCILE_RETRY,   /* failed: retry after the key's backoff */
        RECONCILE_REQUEUE, /* look again after *requeue_ms */
};

struct controller_ops {
        /*
         * Bring the world in line with `obj`, the latest cached object for `key` (a private
         * copy: keep or change it freely, it is put after the call), or NULL when the object
         * no longer exists. `worker` is 0..workers+priority_workers-1 so the callee can keep
         * per-worker clients.
         */
        enum reconcile_result (*reconcile)(void *arg, int worker, const char *key, json_object *obj,
                                           uint32_t *requeue_ms);
        /*
         * A short label kept beside each cached object (e.g. the domain a DataProduct claims),
         * so that controller_each() can compare objects without parsing them. May be NULL.
         */
        void (*label)(void *arg, json_object *obj, char *out, size_t n);
        /* Called from the watch thread (no lock held) when an object disappears, with its
         * label. May be NULL. */
        void (*deleted)(void *arg, const char *label);
        /* Called about once a second from the controller's own thread (no lock held), e.g. to
         * bring failing keys' retries forward with controller_retry_now(). May be NULL. */
        void (*tick)(void *arg);
};

struct controller_config {
        const char *path;        /* list path, e.g. "/apis/specmesh.io/v1alpha1/dataproducts" */
        const char *api_version; /* stamped on listed items, which carry none */
        const char *kind;
        int workers;              /* 1.. */
        int priority_workers;     /* more workers that take only changes (the high lane) */
        uint32_t resync_s;        /* 0: no periodic resync */
        uint32_t watch_timeout_s; /* server-side watch timeout (jittered) */
        uint32_t retry_base_ms, retry_max_ms;
};

struct controller {
        struct controller_config cfg;
        const struct controller_ops *ops;
        void *arg;
        const struct kube_config *kube_cfg;
        struct metrics *metrics;
        struct kube *watch_client;
        pthread_mutex_t mu;  /* guards cache and rv */
        pthread_cond_t wake; /* resync sleeps on it */
        struct map cache;    /* key -> struct cached * */
        char rv[64];
        atomic_int stop;    /* set by controller_stop, read by every thread */
        atomic_bool synced; /* the first list is in the cache */
        struct wq queue;
        pthread_t watcher, resyncer, *workers;
        bool watching, resyncing; /* watcher, resyncer started */
        int nworkers;             /* workers started */
        int started;              /* controller_start succeeded, for stop */
};

/*
 * Start the threads. Returns 0, or -1 with `err` set (nothing left running). The config,
 * ops and metrics must outlive the controller.
 */
int controller_start(struct controller *c, const struct controller_config *cfg,
                     const struct controller_ops *ops, void *arg, const struct kube_config *kc,
                     struct metrics *m, struct err *err);

/*
 * Stop: no new keys are handed out, in-flight reconciles finish, threads are joined, the cache
 * is freed. Safe to call once after a successful start.
 */
void controller_stop(struct controller *c);

/* Queue a key now (e.g. another object whose outcome depends on this one). */
void controller_enqueue(struct controller *c, const char *key);
/* wq_retry_now() on the controller's queue. */
size_t controller_retry_now(struct controller *c, bool all);

/*
 * Call `fn` for every cached object with its label and creationTimestamp, under the cache
 * lock (borrowed strings; do not call back into the controller from `fn`).
 */
void controller_each(struct controller *c,
                     void (*fn)(void *arg, const char *key, const char *label, const char *created),
                     void *arg);

/*
 * Call `fn` for every cached object's JSON text (compact, without managedFields), under the
 * cache lock: copy what you need and return quickly.
 */
void controller_each_json(struct controller *c,
                          void (*fn)(void *arg, const char *key, const char *json), void *arg);

bool controller_synced(struct controller *c);
size_t controller_queue_len(struct controller *c);

#endif
