#include <criterion/criterion.h>
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/buf.h"
#include "pkg/runtime/metrics.h"

#define MAX_SAMPLES 64

struct sample {
        char name[96];
        char le[32]; /* the le label, "" when there is none */
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
        if (*p == '{') {
                cr_assert_eq(sscanf(p, "{le=\"%31[^\"]\"}", s->le), 1, "labels in: %s", line);
                p = strchr(p, '}') + 1;
        }
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

static const struct sample *find(const struct exposition *e, const char *name, const char *le)
{
        for (size_t i = 0; i < e->n; i++)
                if (strcmp(e->s[i].name, name) == 0 && strcmp(e->s[i].le, le ? le : "") == 0)
                        return &e->s[i];
        cr_assert_fail("no sample %s{le=%s}", name, le ? le : "");
        return NULL;
}

static void render(struct metrics *m, struct exposition *e)
{
        struct buf b;

        buf_init(&b, 1u << 16);
        cr_assert_eq(metrics_render(m, &b), 0);
        parse(e, b.data);
        buf_release(&b);
}

#define H "specmesh_reconcile_duration_seconds"

Test(metrics, counters_and_gauges_present)
{
        static const char *counters[] = {
            "specmesh_reconcile_total", "specmesh_reconcile_errors_total",
            "specmesh_changes_total",   "specmesh_watch_restarts_total",
            "specmesh_relists_total",   "specmesh_kube_requests_total",
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
