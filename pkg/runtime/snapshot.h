/*
 * One observation shared by many reconciles (the operator's fleet): instead of every reconcile
 * reading the whole cluster for its own domain, the first one in a window reads it once and the
 * others select their domain from that snapshot.
 *
 * A snapshot serves a reconcile of `domain` until `window` seconds after its reading finished,
 * AND only when that reading began after the last write to that domain finished
 * (snapshot_wrote()): so a product always sees its own changes, and sees changes made behind
 * our back at most one window plus one reading's time late. The window counts from the end of
 * the reading, not its start: a large cluster's reading may take longer than the window, and
 * counted from its start it would serve nobody but the reconciles that waited for it — each
 * reconcile would read the whole cluster again (B1-OP at 1,000 products: ~2 reconciles a
 * reading). One read at a time: a reconcile that needs a fresh snapshot while another is being
 * read waits for that one and takes it when it serves. Snapshots are reference-counted, so a
 * reader may keep selecting from one while a newer one replaces it. Thread-safe.
 */
#ifndef PKG_RUNTIME_SNAPSHOT_H
#define PKG_RUNTIME_SNAPSHOT_H

#include <pthread.h>
#include <stdbool.h>

#include "pkg/base/err.h"
#include "pkg/base/map.h"

struct snapshot {
        void *data;
        double taken; /* clock_now() when its reading began */
        double done;  /* and when it finished */
        int refs;
};

struct snapshot_cache {
        pthread_mutex_t mu;
        pthread_cond_t cond;
        struct snapshot *cur;
        bool reading;
        double window;
        struct map writes; /* domain -> the end of its last write (clock_now() in microseconds) */
        void (*free_data)(void *data);
        unsigned long reads;    /* snapshots read so far */
        unsigned long read_seq; /* reads finished, failed or not */
        bool last_failed;       /* the last read failed, with last_err */
        struct err last_err;
};

void snapshot_cache_init(struct snapshot_cache *c, double window_s, void (*free_data)(void *));
void snapshot_cache_release(struct snapshot_cache *c);

/*
 * A snapshot that serves `domain`, reading a new one with `read(arg, err)` when none does.
 * Returns it (give it back with snapshot_put()), or NULL with `err` set when the read failed.
 */
struct snapshot *snapshot_get(struct snapshot_cache *c, const char *domain,
                              void *(*read)(void *arg, struct err *err), void *arg,
                              struct err *err);
/*
 * snapshot_get(), except that when the current snapshot is within the window but `domain` was
 * written since, it reads nothing: NULL with *fenced set (the caller observes that one domain
 * itself; a new reading of everything for one product that just wrote would serve nobody
 * else). NULL with *fenced false: the read failed, `err` says why.
 */
struct snapshot *snapshot_get_unfenced(struct snapshot_cache *c, const char *domain,
                                       void *(*read)(void *arg, struct err *err), void *arg,
                                       bool *fenced, struct err *err);
void snapshot_put(struct snapshot_cache *c, struct snapshot *s);

/* A write to `domain` has just finished: snapshots taken before now no longer serve it. */
void snapshot_wrote(struct snapshot_cache *c, const char *domain);

/* Writes are remembered at least this long (and at least a window): snapshot_last_write(). */
#define SNAPSHOT_WRITE_MEMORY_S 10.0

/*
 * When the last write to `domain` finished (clock_now()), or 0 when none was made within
 * SNAPSHOT_WRITE_MEMORY_S. A server may take a moment to show a write it has acknowledged (a
 * Kafka broker answers reads from a metadata cache that follows the controller): a reading
 * taken just after this time can still miss it, which the caller may want to allow for.
 */
double snapshot_last_write(struct snapshot_cache *c, const char *domain);

/* How many snapshots were read so far (for the benchmarks and tests). */
unsigned long snapshot_reads(struct snapshot_cache *c);

#endif
