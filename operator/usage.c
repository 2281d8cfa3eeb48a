#include "operator/usage.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "operator/cli.h"
#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/log.h"
#include "pkg/base/str.h"
#include "pkg/kafka/kafka.h"
#include "pkg/kafka/usage.h"
#include "pkg/report/report.h"
#include "pkg/base/banned.h"

#define DEFAULT_INTERVAL_S 300

/* A label value with \ " and newline escaped (exposition format). */
static void label(struct buf *b, const char *name, const char *v, bool last)
{
        buf_printf(b, "%s=\"", name);
        for (; v && *v; v++) {
                if (*v == '\\' || *v == '"')
                        buf_putc(b, '\\');
                if (*v == '\n')
                        buf_puts(b, "\\n");
                else
                        buf_putc(b, *v);
        }
        buf_puts(b, last ? "\"}" : "\",");
}

static char *render(const struct report *r)
{
        struct buf b;

        buf_init(&b, (size_t)64 << 20);
        buf_puts(&b, "# HELP specmesh_topic_bytes Bytes on disk of a data product's topic, every "
                     "replica (DescribeLogDirs).\n# TYPE specmesh_topic_bytes gauge\n");
        for (size_t i = 0; i < r->topics.len; i++) {
                const struct usage_topic *t = r->topics.items[i];
                if (!t->domain)
                        continue;
                buf_puts(&b, "specmesh_topic_bytes{");
                label(&b, "domain", t->domain, false);
                label(&b, "topic", t->topic, true);
                buf_printf(&b, " %" PRId64 "\n", t->bytes);
        }
        buf_puts(&b, "# HELP specmesh_consumer_lag Records a consumer group has yet to read from a "
                     "data product's topic.\n# TYPE specmesh_consumer_lag gauge\n");
        for (size_t i = 0; i < r->groups.len; i++) {
                const struct usage_group *g = r->groups.items[i];
                if (!g->topic_domain)
                        continue;
                buf_puts(&b, "specmesh_consumer_lag{");
                label(&b, "domain", g->topic_domain, false);
                label(&b, "topic", g->topic, false);
                label(&b, "group", g->group, true);
                buf_printf(&b, " %" PRId64 "\n", g->lag);
        }
        return b.failed ? (buf_release(&b), NULL) : buf_detach(&b, NULL);
}

/* The domain's entry of `by`, made on first use. */
static json_object *entry(json_object *by, const char *domain)
{
        json_object *e = NULL;

        if (json_object_object_get_ex(by, domain, &e))
                return e;
        e = json_object_new_object();
        json_object_object_add(e, "bytes", json_object_new_int64(0));
        json_object_object_add(e, "leaderBytes", json_object_new_int64(0));
        json_object_object_add(e, "consumerDomains", json_object_new_array());
        json_object_object_add(by, domain, e);
        return e;
}

static void add_int(json_object *o, const char *k, int64_t v)
{
        json_object *x = NULL;

        json_object_object_get_ex(o, k, &x);
        json_object_object_add(o, k, json_object_new_int64(json_object_get_int64(x) + v));
}

static json_object *summarise(const struct report *r)
{
        json_object *by = json_object_new_object();

        for (size_t i = 0; i < r->topics.len; i++) {
                const struct usage_topic *t = r->topics.items[i];
                json_object *e = t->domain ? entry(by, t->domain) : NULL;
                if (!e)
                        continue;
                add_int(e, "bytes", t->bytes);
                add_int(e, "leaderBytes", t->leader_bytes);
        }
        for (size_t i = 0; i < r->groups.len; i++) { /* sorted: topic, then group */
                const struct usage_group *g = r->groups.items[i];
                json_object *e = g->topic_domain && g->domain ? entry(by, g->topic_domain) : NULL;
                json_object *list = NULL;
                bool seen = false;
                if (!e || !json_object_object_get_ex(e, "consumerDomains", &list))
                        continue;
                for (size_t j = 0; j < json_object_array_length(list); j++)
                        seen |= str_eq(json_object_get_string(json_object_array_get_idx(list, j)),
                                       g->domain);
                if (!seen)
                        json_object_array_add(list, json_object_new_string(g->domain));
        }
        return by;
}

/* One round: connect, read both reports, swap the snapshot in. */
static void round_once(struct usage_collector *u)
{
        struct kafka *k;
        struct report r;
        struct err err;
        int rc = -1;

        err_clear(&err);
        report_init(&r);
        k = kafka_open(u->conn->kafka_config, u->conn->bootstrap, &err);
        if (k && kafka_usage_storage(k, NULL, &r, &err) == 0 &&
            kafka_usage_consumption(k, NULL, &r, &err) == 0) {
                char *text = render(&r);
                json_object *by = summarise(&r);
                pthread_mutex_lock(&u->mu);
                free(u->metrics);
                json_object_put(u->by_domain);
                u->metrics = text;
                u->by_domain = by;
                u->rounds++;
                pthread_mutex_unlock(&u->mu);
                rc = 0;
        }
        if (rc < 0) {
                u->failures++;
                log_warn(NULL, "usage: %s", err.msg);
        }
        kafka_close(k);
        report_release(&r);
}

static void *loop(void *arg)
{
        struct usage_collector *u = arg;
        int waited = u->interval_s; /* the first round right away */

        while (!u->stop) {
                if (waited >= u->interval_s) {
                        round_once(u);
                        waited = 0;
                }
                sleep(1);
                waited++;
        }
        return NULL;
}

void usage_init(struct usage_collector *u)
{
        memset(u, 0, sizeof(*u));
        pthread_mutex_init(&u->mu, NULL);
}

int usage_start(struct usage_collector *u, const struct cli_conn *conn)
{
        const char *env = getenv("SPECMESH_USAGE_INTERVAL");
        long v = DEFAULT_INTERVAL_S;

        if (env && str_to_long(env, 0, 86400, &v) < 0) {
                log_warn(NULL, "SPECMESH_USAGE_INTERVAL=%s is not 0..86400: using %d s", env,
                         DEFAULT_INTERVAL_S);
                v = DEFAULT_INTERVAL_S;
        }
        u->conn = conn;
        u->interval_s = (int)v;
        if (u->interval_s == 0)
                return 0;
        if (pthread_create(&u->thread, NULL, loop, u) != 0)
                return -1;
        u->running = true;
        log_info(NULL, "usage: storage and consumption every %d s", u->interval_s);
        return 0;
}

void usage_stop(struct usage_collector *u)
{
        if (u->running) {
                u->stop = 1;
                pthread_join(u->thread, NULL);
                u->running = false;
        }
        pthread_mutex_lock(&u->mu); /* /metrics may still be served */
        free(u->metrics);
        json_object_put(u->by_domain);
        u->metrics = NULL;
        u->by_domain = NULL;
        pthread_mutex_unlock(&u->mu);
}

void usage_render(struct usage_collector *u, struct buf *out)
{
        pthread_mutex_lock(&u->mu);
        if (u->metrics)
                buf_puts(out, u->metrics);
        pthread_mutex_unlock(&u->mu);
}

json_object *usage_status(struct usage_collector *u, const char *domain, json_object *into)
{
        json_object *e = NULL, *copy = NULL;

        pthread_mutex_lock(&u->mu);
        /* a deep copy: the snapshot may be swapped while the caller uses it */
        if (u->by_domain && domain && json_object_object_get_ex(u->by_domain, domain, &e))
                json_object_deep_copy(e, &copy, NULL);
        pthread_mutex_unlock(&u->mu);
        if (!copy)
                return into;
        if (!into)
                into = json_object_new_object();
        json_object_object_add(into, "usage", copy);
        return into;
}
