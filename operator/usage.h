/*
 * The operator's view of what data products cost (pkg/kafka/usage.c, pkg/report): a
 * collector thread that, while this instance leads, reads the storage and consumption of
 * every domain on its own interval (SPECMESH_USAGE_INTERVAL seconds, default 300; 0 turns it
 * off) — not on every reconcile — and keeps the latest snapshot for /metrics
 * (specmesh_topic_bytes{domain,topic}, specmesh_consumer_lag{domain,topic,group}, the domain
 * being the topic's owner) and for the DataProducts' status (usage: bytes, leaderBytes,
 * consumerDomains).
 */
#ifndef OPERATOR_USAGE_H
#define OPERATOR_USAGE_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include <json-c/json.h>

struct buf;
struct cli_conn;

/* Zero-initialised except `mu` (PTHREAD_MUTEX_INITIALIZER, or usage_init()). */
struct usage_collector {
        const struct cli_conn *conn;
        int interval_s;
        pthread_t thread;
        pthread_mutex_t mu;
        bool running;
        volatile sig_atomic_t stop;
        char *metrics;          /* exposition text of the latest snapshot; under mu */
        json_object *by_domain; /* domain -> {bytes, leaderBytes, consumerDomains}; under mu */
        unsigned long rounds, failures;
};

/* Ready the collector before any other call (it is then safe to render and to stop). */
void usage_init(struct usage_collector *u);

/*
 * Start the thread unless the interval is 0; call it once this instance leads (it collects
 * until usage_stop()). Returns 0, or -1 when the thread cannot start.
 */
int usage_start(struct usage_collector *u, const struct cli_conn *conn);

/* Stop the thread (within about a second) and free the snapshot. Safe when never started. */
void usage_stop(struct usage_collector *u);

/* Append the latest snapshot's metrics to `out` (nothing before the first round). */
void usage_render(struct usage_collector *u, struct buf *out);

/*
 * Add `domain`'s summary as "usage": {bytes, leaderBytes, consumerDomains} to `into` (made
 * when NULL and there is a summary). Returns `into` (or the new object, or NULL). The caller
 * puts what it gets back.
 */
json_object *usage_status(struct usage_collector *u, const char *domain, json_object *into);

#endif
