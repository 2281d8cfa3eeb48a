#include <criterion/criterion.h>
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/base/buf.h"
#include "pkg/runtime/metrics.h"

#define MAX_SAMPLES 256

struct sample {
        char name[96];
        char le[32];      /* the le label, "" when there is none */
        char labels[256]; /* the other labels as written, k="v",... ("" when none) */
        double value;
};

/* The exposition text, checked line by line and collected. */
struct exposition {
        struct sample s[MAX_SAMPLES];
        size_t n;
        char typed[MAX_SAMPLES][96]; /* metric families with a # TYPE line */
        char types[MAX_SAMPLES][16];
        size_t ntyped;
};

static int valid_name(const char *s, size_t n)
{
        if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
                return 0;
        for (size_t i = 1; i < n; i++)
                if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
                        return 0;
        return 1;
}

/* The family a sample belongs to: histograms add _bucket, _sum and _count. */
static const char *family_type(const struct exposition *e, const char *name)
{
        static const char *suffixes[] = {"", "_bucket", "_sum", "_count"};
        size_t len = strlen(name);

        for (size_t i = 0; i < e->ntyped; i++) {
                size_t flen = strlen(e->typed[i]);
                for (size_t j = 0; j < 4; j++)
                        if (len == flen + strlen(suffixes[j]) &&
                            strncmp(name, e->typed[i], flen) == 0 &&
                            strcmp(name + flen, suffixes[j]) == 0)
                                return j == 0 || strcmp(e->types[i], "histogram") == 0 ? e->types[i]
                                                                                       : NULL;
        }
        return NULL;
}

static void parse_comment(struct exposition *e, const char *line)
{
        char word[16], name[96], rest[256];

        cr_assert_eq(sscanf(line, "# %15s %95s %255[^\n]", word, name, rest), 3,
                     "a comment is '# HELP|TYPE name text': %s", line);
        cr_assert(valid_name(name, strlen(name)), "metric name '%s'", name);
        if (strcmp(word, "HELP") == 0)
                return;
        cr_assert_str_eq(word, "TYPE", "%s", line);
        cr_assert(strcmp(rest, "counter") == 0 || strcmp(rest, "gauge") == 0 ||
                      strcmp(rest, "histogram") == 0,
                  "type '%s'", rest);
        cr_assert_null(family_type(e, name), "one TYPE line per family: %s", name);
        cr_assert_lt(e->ntyped, MAX_SAMPLES);
        strcpy(e->typed[e->ntyped], name);
        strcpy(e->types[e->ntyped++], rest);
}

/* Check the label set at `p` ('{'), split out `le`; returns the character after '}'. */
static const char *parse_labels(struct sample *s, const char *p, const char *line)
{
        size_t n = 0;

        p++;
        while (*p != '}') {
                size_t klen = strcspn(p, "=");
                char key[64];
                cr_assert(valid_name(p, klen) && klen < sizeof(key), "label name in: %s", line);
                memcpy(key, p, klen);
                key[klen] = 0;
                cr_assert_eq(p[klen + 1], '"', "quoted label value in: %s", line);
                p += klen + 2;
                const char *v = p;
                while (*p && *p != '"')
                        p += *p == '\\' ? 2 : 1; /* \\, \" and \n are the only escapes */
                cr_assert_eq(*p, '"', "closed label value in: %s", line);
                if (strcmp(key, "le") == 0) {
                        cr_assert_lt((size_t)(p - v), sizeof(s->le));
                        memcpy(s->le, v, (size_t)(p - v));
                        s->le[p - v] = 0;
                } else {
                        n += (size_t)snprintf(s->labels + n, sizeof(s->labels) - n, "%s%s=\"%.*s\"",
                                              n ? "," : "", key, (int)(p - v), v);
                        cr_assert_lt(n, sizeof(s->labels));
                }
                p++;
                cr_assert(*p == ',' || *p == '}', "labels separated by commas: %s", line);
                if (*p == ',')
                        p++;
        }
        return p + 1;
}

static void parse_sample(struct exposition *e, const char *line)
{
        struct sample *s = &e->s[e->n];
        size_t nlen = strcspn(line, "{ ");
        const char *p = line + nlen;
        char *end;

        cr_assert_lt(e->n, MAX_SAMPLES);
        cr_assert(valid_name(line, nlen), "sample name in: %s", line);
        cr_assert_lt(nlen, sizeof(s->name));
        memcpy(s->name, line, nlen);
        s->name[nlen] = 0;
        s->le[0] = 0;
        s->labels[0] = 0;
        if (*p == '{')
                p = parse_labels(s, p, line);
        cr_assert_eq(*p, ' ', "one space before the value: %s", line);
        s->value = strtod(p + 1, &end);
        cr_assert(end != p + 1 && *end == 0, "value in: %s", line);
        cr_assert_not_null(family_type(e, s->name), "no TYPE before sample %s", s->name);
        e->n++;
}

static void parse(struct exposition *e, const char *text)
{
        char *copy = strdup(text), *line, *save = NULL;

        cr_assert_not_null(copy);
        memset(e, 0, sizeof(*e));
        cr_assert_eq(text[strlen(text) - 1], '\n', "the text ends with a newline");
        cr_assert_null(strstr(text, "\n\n"), "no empty lines");
        for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (line[0] == '#')
                        parse_comment(e, line);
                else
                        parse_sample(e, line);
        }
        free(copy);
}

/* The sample `name` with the `le` label and the other labels exactly `labels` (NULL: none). */
static const struct sample *lookup(const struct exposition *e, const char *name, const char *le,
                                   const char *labels)
{
        for (size_t i = 0; i < e->n; i++)
                if (strcmp(e->s[i].name, name) == 0 && strcmp(e->s[i].le, le ? le : "") == 0 &&
                    strcmp(e->s[i].labels, labels ? labels : "") == 0)
                        return &e->s[i];
        return NULL;
}

static const struct sample *find_labelled(const struct exposition *e, const char *name,
                                          const char *le, const char *labels)
{
        const struct sample *s = lookup(e, name, le, labels);

        cr_assert_not_null(s, "no sample %s{%s le=%s}", name, labels ? labels : "", le ? le : "");
        return s;
}

static const struct sample *find(const struct exposition *e, const char *name, const char *le)
{
        return find_labelled(e, name, le, NULL);
}

static void render(struct metrics *m, struct exposition *e)
{
        struct buf b;

        buf_init(&b, 1u << 18);
        cr_assert_eq(metrics_render(m, &b), 0);
        cr_assert_eq(metrics_render_process("/proc", &b), 0);
        parse(e, b.data);
        buf_release(&b);
}

#define H "specmesh_reconcile_duration_seconds"

Test(metrics, counters_and_gauges_present)
{
        static const char *counters[] = {
            "specmesh_reconcile_total",
            "specmesh_reconcile_errors_total",
            "specmesh_changes_total",
            "specmesh_watch_restarts_total",
            "specmesh_relists_total",
            "specmesh_kube_requests_total",
            "specmesh_kafka_write_batches_total",
            "specmesh_kafka_write_batch_products_total",
        };
        struct metrics m = {0};
        struct exposition e;

        atomic_store(&m.reconciles, 12);
        atomic_store(&m.errors, 3);
        atomic_store(&m.changes, 40);
        atomic_store(&m.kube_requests, 99);
        atomic_store(&m.queue_depth, 5);
        atomic_store(&m.objects, 7);
        atomic_store(&m.leader, 1);
        atomic_store(&m.kafka_batches, 4);
        atomic_store(&m.kafka_batched, 30);
        render(&m, &e);
        for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
                cr_assert_str_eq(family_type(&e, counters[i]), "counter", "%s", counters[i]);
        cr_assert_str_eq(family_type(&e, "specmesh_workqueue_depth"), "gauge");
        cr_assert_str_eq(family_type(&e, "specmesh_dataproducts"), "gauge");
        cr_assert_str_eq(family_type(&e, "specmesh_leader"), "gauge");
        cr_assert_str_eq(family_type(&e, H), "histogram");
        cr_assert_float_eq(find(&e, "specmesh_reconcile_total", NULL)->value, 12, 0);
        cr_assert_float_eq(find(&e, "specmesh_reconcile_errors_total", NULL)->value, 3, 0);
        cr_assert_float_eq(find(&e, "specmesh_changes_total", NULL)->value, 40, 0);
        cr_assert_float_eq(find(&e, "specmesh_watch_restarts_total", NULL)->value, 0, 0);
        cr_assert_float_eq(find(&e, "specmesh_kube_requests_total", NULL)->value, 99, 0);
        cr_assert_float_eq(find(&e, "specmesh_workqueue_depth", NULL)->value, 5, 0);
        cr_assert_float_eq(find(&e, "specmesh_dataproducts", NULL)->value, 7, 0);
        cr_assert_float_eq(find(&e, "specmesh_leader", NULL)->value, 1, 0);
        cr_assert_float_eq(find(&e, "specmesh_kafka_write_batch_products_total", NULL)->value, 30,
                           0);
}

Test(metrics, empty_histogram)
{
        struct metrics m = {0};
        struct exposition e;

        render(&m, &e);
        cr_assert_float_eq(find(&e, H "_bucket", "+Inf")->value, 0, 0);
        cr_assert_float_eq(find(&e, H "_count", NULL)->value, 0, 0);
        cr_assert_float_eq(find(&e, H "_sum", NULL)->value, 0, 0);
}

Test(metrics, histogram_buckets_are_cumulative)
{
        static const double obs[] = {0.001, 0.005, 0.3, 7, 100};
        static const struct {
                const char *le;
                double count;
        } want[] = {{"0.005", 2}, {"0.01", 2}, {"0.025", 2}, {"0.05", 2}, {"0.1", 2}, {"0.25", 2},
                    {"0.5", 3},   {"1", 3},    {"2.5", 3},   {"5", 3},    {"10", 4},  {"+Inf", 5}};
        struct metrics m = {0};
        struct exposition e;
        double prev_le = -1, prev = 0;
        size_t buckets = 0;

        for (size_t i = 0; i < sizeof(obs) / sizeof(obs[0]); i++)
                metrics_observe_duration(&m, obs[i]);
        render(&m, &e);
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
                cr_assert_float_eq(find(&e, H "_bucket", want[i].le)->value, want[i].count, 0,
                                   "le=%s", want[i].le);
        /* in order, bounds rising, counts never falling, +Inf last */
        for (size_t i = 0; i < e.n; i++) {
                double le;
                if (strcmp(e.s[i].name, H "_bucket") != 0)
                        continue;
                le = strcmp(e.s[i].le, "+Inf") == 0 ? INFINITY : strtod(e.s[i].le, NULL);
                cr_assert_gt(le, prev_le, "le=%s after %g", e.s[i].le, prev_le);
                cr_assert_geq(e.s[i].value, prev, "le=%s", e.s[i].le);
                prev_le = le;
                prev = e.s[i].value;
                buckets++;
        }
        cr_assert_eq(buckets, METRICS_BUCKETS);
        cr_assert(isinf(prev_le), "the last bucket is +Inf");
        cr_assert_float_eq(find(&e, H "_bucket", "+Inf")->value, find(&e, H "_count", NULL)->value,
                           0, "+Inf equals _count");
        cr_assert_float_eq(find(&e, H "_count", NULL)->value, 5, 0);
        cr_assert_float_eq(find(&e, H "_sum", NULL)->value, 107.306, 1e-5);
}

Test(metrics, bucket_bound_is_inclusive)
{
        struct metrics m = {0};
        struct exposition e;

        for (size_t i = 0; i < METRICS_BUCKETS - 1; i++)
                metrics_observe_duration(&m, metrics_bounds[i]);
        render(&m, &e);
        cr_assert_float_eq(find(&e, H "_bucket", "0.005")->value, 1, 0, "le means <=");
        cr_assert_float_eq(find(&e, H "_bucket", "10")->value, METRICS_BUCKETS - 1, 0);
        cr_assert_float_eq(find(&e, H "_bucket", "+Inf")->value, METRICS_BUCKETS - 1, 0);
}

#define OBSERVERS 4
#define PER_OBS   5000

static void *observe_many(void *arg)
{
        struct metrics *m = arg;

        for (int i = 0; i < PER_OBS; i++)
                metrics_observe_duration(m, (i % 13) * 0.07);
        return NULL;
}

Test(metrics, concurrent_observers_add_up)
{
        struct metrics m = {0};
        struct exposition e;
        pthread_t t[OBSERVERS];

        for (int i = 0; i < OBSERVERS; i++)
                cr_assert_eq(pthread_create(&t[i], NULL, observe_many, &m), 0);
        for (int i = 0; i < OBSERVERS; i++)
                pthread_join(t[i], NULL);
        render(&m, &e);
        cr_assert_float_eq(find(&e, H "_count", NULL)->value, OBSERVERS * PER_OBS, 0);
        cr_assert_float_eq(find(&e, H "_bucket", "+Inf")->value, OBSERVERS * PER_OBS, 0);
}

Test(metrics, render_reports_a_full_buffer)
{
        struct metrics m = {0};
        struct buf b;

        buf_init(&b, 64);
        cr_assert_eq(metrics_render(&m, &b), -1);
        buf_release(&b);
}

#define B "specmesh_backend_request_duration_seconds"
#define E "specmesh_backend_errors_total"

Test(metrics, backend_latency_and_errors_by_backend_and_reason)
{
        struct metrics m = {0};
        struct exposition e;

        metrics_init(&m, "1.2.3");
        metrics_observe_backend(&m, METRICS_KAFKA, 0.02, ERR_NONE);
        metrics_observe_backend(&m, METRICS_REGISTRY, 0.3, ERR_TRANSIENT);
        metrics_observe_backend(&m, METRICS_REGISTRY, 0.001, ERR_TRANSIENT);
        metrics_observe_backend(&m, METRICS_KUBE, 20, ERR_AUTH);
        metrics_observe_backend(&m, METRICS_BACKENDS, 1, ERR_AUTH); /* ignored */
        metrics_kube_request(&m, 0.001, ERR_NOT_FOUND);             /* an answer, not an error */
        render(&m, &e);
        cr_assert_str_eq(family_type(&e, B), "histogram");
        cr_assert_str_eq(family_type(&e, E), "counter");
        cr_assert_float_eq(find_labelled(&e, B "_count", NULL, "backend=\"kafka\"")->value, 1, 0);
        cr_assert_float_eq(find_labelled(&e, B "_bucket", "0.025", "backend=\"kafka\"")->value, 1,
                           0);
        cr_assert_float_eq(find_labelled(&e, B "_bucket", "0.01", "backend=\"kafka\"")->value, 0,
                           0);
        cr_assert_float_eq(find_labelled(&e, B "_count", NULL, "backend=\"registry\"")->value, 2,
                           0);
        cr_assert_float_eq(find_labelled(&e, B "_sum", NULL, "backend=\"registry\"")->value, 0.301,
                           1e-6);
        cr_assert_float_eq(find_labelled(&e, B "_bucket", "+Inf", "backend=\"kube\"")->value, 2, 0);
        cr_assert_float_eq(find_labelled(&e, B "_bucket", "10", "backend=\"kube\"")->value, 1, 0,
                           "the 20 s request is past the last bound");
        cr_assert_float_eq(
            find_labelled(&e, E, NULL, "backend=\"kube\",reason=\"not_found\"")->value, 0, 0);
        cr_assert_float_eq(
            find_labelled(&e, E, NULL, "backend=\"registry\",reason=\"unavailable\"")->value, 2, 0);
        cr_assert_float_eq(find_labelled(&e, E, NULL, "backend=\"kube\",reason=\"auth\"")->value, 1,
                           0);
        cr_assert_float_eq(
            find_labelled(&e, E, NULL, "backend=\"kafka\",reason=\"unavailable\"")->value, 0, 0,
            "every backend and reason is there from the start, at 0");
        cr_assert_null(lookup(&e, E, NULL, "backend=\"kafka\",reason=\"none\""));
        /* the label values are a fixed set: 3 backends x 8 reasons */
        size_t errors = 0;
        for (size_t i = 0; i < e.n; i++)
                errors += strcmp(e.s[i].name, E) == 0;
        cr_assert_eq(errors, METRICS_BACKENDS * (METRICS_REASONS - 1));
        cr_assert_str_eq(metrics_reason(ERR_TRANSIENT), "unavailable");
        cr_assert_str_eq(metrics_reason((enum err_kind)99), "internal");
        metrics_release(&m);
}

Test(metrics, one_ready_series_per_product_removed_when_it_is_gone)
{
        struct metrics m = {0};
        struct exposition e;

        metrics_init(&m, "1.2.3");
        metrics_set_ready(&m, "team-a/orders", true);
        metrics_set_ready(&m, "team-b/pay\"ments", false); /* not a valid name: still escaped */
        metrics_set_ready(&m, "team-a/orders", false);
        render(&m, &e);
        cr_assert_str_eq(family_type(&e, "specmesh_dataproduct_ready"), "gauge");
        cr_assert_float_eq(find_labelled(&e, "specmesh_dataproduct_ready", NULL,
                                         "namespace=\"team-a\",name=\"orders\"")
                               ->value,
                           0, 0);
        cr_assert_float_eq(find_labelled(&e, "specmesh_dataproduct_ready", NULL,
                                         "namespace=\"team-b\",name=\"pay\\\"ments\"")
                               ->value,
                           0, 0);
        metrics_set_ready(&m, "team-a/orders", true);
        metrics_forget(&m, "team-b/pay\"ments");
        metrics_forget(&m, "team-c/never-seen");
        render(&m, &e);
        cr_assert_float_eq(find_labelled(&e, "specmesh_dataproduct_ready", NULL,
                                         "namespace=\"team-a\",name=\"orders\"")
                               ->value,
                           1, 0);
        cr_assert_null(lookup(&e, "specmesh_dataproduct_ready", NULL,
                              "namespace=\"team-b\",name=\"pay\\\"ments\""),
                       "a deleted product's series is gone");
        metrics_release(&m);
}

Test(metrics, build_info_and_process_metrics)
{
        struct metrics m = {0};
        struct exposition e;
        const struct sample *s;
        double now = (double)time(NULL);

        metrics_init(&m, "9.8.7");
        render(&m, &e);
        cr_assert_str_eq(family_type(&e, "specmesh_build_info"), "gauge");
        cr_assert_float_eq(
            find_labelled(&e, "specmesh_build_info", NULL, "version=\"9.8.7\"")->value, 1, 0);
        cr_assert_str_eq(family_type(&e, "process_cpu_seconds_total"), "counter");
        cr_assert_geq(find(&e, "process_cpu_seconds_total", NULL)->value, 0);
        s = find(&e, "process_resident_memory_bytes", NULL);
        cr_assert_gt(s->value, 1 << 20, "a test process holds more than 1 MiB: %g", s->value);
        cr_assert_gt(find(&e, "process_virtual_memory_bytes", NULL)->value, s->value);
        s = find(&e, "process_open_fds", NULL);
        cr_assert_geq(s->value, 3, "stdin, stdout, stderr at least: %g", s->value);
        cr_assert_gt(find(&e, "process_max_fds", NULL)->value, s->value);
        s = find(&e, "process_start_time_seconds", NULL);
        cr_assert(s->value > now - 600 && s->value <= now + 2, "started %g, now %g", s->value, now);
        metrics_release(&m);
}

Test(metrics, a_missing_proc_leaves_the_process_metrics_out)
{
        struct buf b;

        buf_init(&b, 4096);
        cr_assert_eq(metrics_render_process("/nonexistent-proc", &b), 0);
        cr_assert_eq(b.len, 0);
        buf_release(&b);
}

Test(metrics, names_follow_the_conventions)
{
        struct metrics m = {0};
        struct exposition e;

        metrics_init(&m, "1");
        render(&m, &e);
        for (size_t i = 0; i < e.ntyped; i++) {
                const char *n = e.typed[i];
                size_t len = strlen(n);
                bool total = len > 6 && strcmp(n + len - 6, "_total") == 0;
                cr_assert(strncmp(n, "specmesh_", 9) == 0 || strncmp(n, "process_", 8) == 0, "%s",
                          n);
                cr_assert_eq(strcmp(e.types[i], "counter") == 0, total,
                             "%s: counters and only counters end in _total", n);
                if (strcmp(e.types[i], "histogram") == 0)
                        cr_assert(strstr(n, "_seconds"), "%s: durations in seconds", n);
        }
        metrics_release(&m);
}
