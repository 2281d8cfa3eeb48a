/*
 * bench_floor: the floor of the bulk-apply benchmarks (e2e/bench/README.md). Given N data
 * products it does the same Kafka and registry work that provisioning them needs, as a minimal
 * batched client with nothing else in the loop: every topic in as few CreateTopics as a KRaft
 * controller takes (librdkafka; 10,000 metadata records a request), ONE CreateAcls for every ACL
 * binding (pkg/kafka's own protocol client, since librdkafka 2.0.2 cannot create
 * TRANSACTIONAL_ID bindings), then per subject PUT /config and POST /versions over one reused
 * libcurl connection — and prints the wall time of each part as one JSON line.
 *
 * The desired state is read with pkg/asyncapi before the clock starts, so the floor creates
 * exactly the topics, ACLs and subjects specmesh computes (DESIGN §3). It never observes: it
 * assumes an empty cluster, which `clean` provides (not timed).
 *
 *   bench_floor apply LIST        LIST: a file naming one document or manifest per line
 *   bench_floor clean PREFIX      delete every topic, ACL and subject under PREFIX (PREFIX must
 *                                 start with "bench.")
 *   bench_floor count PREFIX [LIST]
 *                                 {"topics":..,"partitions":..,"acls":..,"subjects":..}; with
 *                                 LIST the subjects counted are those of its products
 *   bench_floor --version         librdkafka and libcurl versions
 * Connection: SPECMESH_KAFKA_CONFIG (librdkafka properties) and SPECMESH_REGISTRY_URL.
 */
#include <curl/curl.h>
#include <json-c/json.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pkg/asyncapi/asyncapi.h"
#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/vec.h"
#include "pkg/kafka/kafka.h"
#include "pkg/kwire/acls.h"
#include "pkg/kwire/props.h"
#include "pkg/kwire/quota.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/registry/ccompat.h"
#include "pkg/base/banned.h"

#define TIMEOUT_MS 120000
#define URL_MAX    2048

struct floor {
        struct kprops props;
        rd_kafka_t *rk;
        rd_kafka_queue_t *queue;
        struct kconn *kc;
        CURL *curl;
        struct curl_slist *headers;
        const char *registry; /* base URL, borrowed from the environment */
        struct buf body;      /* the last HTTP response */
        unsigned retries;     /* registry requests sent twice */
};

/* What one `apply` did and how long each part took. */
struct tally {
        size_t products, topics, partitions, acls, subjects;
        unsigned retries;
        double connect_s, topics_s, acls_s, registry_s, total_s;
};

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t on_data(char *p, size_t size, size_t n, void *opaque)
{
        return buf_add(opaque, p, size * n) < 0 ? 0 : size * n;
}

static int open_kafka(struct floor *f, const char *config, struct err *err)
{
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char errstr[512];

        if (kprops_load(&f->props, config, err) < 0) {
                rd_kafka_conf_destroy(conf);
                return -1;
        }
        for (size_t i = 0; i < f->props.kvs.len; i++) {
                const struct strmap_ent *e = &f->props.kvs.items[i];
                if (rd_kafka_conf_set(conf, e->key, e->value, errstr, sizeof(errstr)) !=
                    RD_KAFKA_CONF_OK) {
                        rd_kafka_conf_destroy(conf);
                        return err_set(err, ERR_INVALID, "kafka config %s: %s", e->key, errstr);
                }
        }
        f->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!f->rk) {
                rd_kafka_conf_destroy(conf);
                return err_set(err, ERR_INVALID, "kafka client: %s", errstr);
        }
        f->queue = rd_kafka_queue_new(f->rk);
        f->kc = kconn_open(&f->props, 30000, err);
        return f->kc ? 0 : -1;
}

static int open_registry(struct floor *f, struct err *err)
{
        f->curl = curl_easy_init();
        if (!f->curl)
                return err_set(err, ERR_INTERNAL, "curl_easy_init failed");
        f->headers =
            curl_slist_append(NULL, "Content-Type: application/vnd.schemaregistry.v1+json");
        curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, f->headers);
        curl_easy_setopt(f->curl, CURLOPT_TIMEOUT_MS, 15000L);
        /* no byte for 5 s: a lost answer (Apicurio 3.3 under load), retried below */
        curl_easy_setopt(f->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(f->curl, CURLOPT_LOW_SPEED_TIME, 5L);
        curl_easy_setopt(f->curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, &f->body);
        return 0;
}

static int floor_open(struct floor *f, struct err *err)
{
        const char *config = getenv("SPECMESH_KAFKA_CONFIG");

        memset(f, 0, sizeof(*f));
        kprops_init(&f->props);
        buf_init(&f->body, 64u << 20);
        f->registry = getenv("SPECMESH_REGISTRY_URL");
        if (!config || !f->registry)
                return err_set(err, ERR_INVALID,
                               "SPECMESH_KAFKA_CONFIG and SPECMESH_REGISTRY_URL must be set");
        if (open_kafka(f, config, err) < 0)
                return -1;
        return open_registry(f, err);
}

static void floor_close(struct floor *f)
{
        kconn_close(f->kc);
        if (f->queue)
                rd_kafka_queue_destroy(f->queue);
        if (f->rk)
                rd_kafka_destroy(f->rk);
        if (f->curl)
                curl_easy_cleanup(f->curl);
        curl_slist_free_all(f->headers);
        kprops_release(&f->props);
        buf_release(&f->body);
}

/* One registry request on the shared handle; *status gets the HTTP status. */
static int http(struct floor *f, const char *method, const char *path, const char *body,
                long *status, struct err *err)
{
        char url[URL_MAX];
        CURLcode rc;

        snprintf(url, sizeof(url), "%s%s", f->registry, path);
        buf_reset(&f->body);
        curl_easy_setopt(f->curl, CURLOPT_URL, url);
        curl_easy_setopt(f->curl, CURLOPT_HTTPGET, 1L); /* resets the previous method */
        if (body) {
                curl_easy_setopt(f->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
                curl_easy_setopt(f->curl, CURLOPT_COPYPOSTFIELDS, body);
        }
        curl_easy_setopt(f->curl, CURLOPT_CUSTOMREQUEST, strcmp(method, "POST") ? method : NULL);
        rc = curl_easy_perform(f->curl);
        if (rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR) {
                /* a lost answer (Apicurio 3.3 under load): retry once, on a new connection */
                fprintf(stderr, "bench_floor: %s %s: %s; retrying\n", method, url,
                        curl_easy_strerror(rc));
                f->retries++;
                buf_reset(&f->body);
                curl_easy_setopt(f->curl, CURLOPT_FRESH_CONNECT, 1L);
                rc = curl_easy_perform(f->curl);
                curl_easy_setopt(f->curl, CURLOPT_FRESH_CONNECT, 0L);
        }
        if (rc != CURLE_OK)
                return err_set(err, ERR_TRANSIENT, "%s %s: %s", method, url,
                               curl_easy_strerror(rc));
        curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, status);
        return 0;
}

/* Read every document named in `list` (one path a line) into `out` (struct product *). */
static int load_products(const char *list, struct vec *out, struct err *err)
{
        struct asyncapi_opts opts = {0};
        char line[4096];
        FILE *fp = fopen(list, "r");
        int rc = 0;

        if (!fp)
                return err_set(err, ERR_NOT_FOUND, "cannot open '%s'", list);
        while (rc == 0 && fgets(line, sizeof(line), fp)) {
                struct diags d;
                struct product *p;
                line[strcspn(line, "\n")] = '\0';
                if (!line[0])
                        continue;
                diags_init(&d);
                p = asyncapi_load_file(line, &opts, &d);
                if (!p || d.items.len) {
                        diags_print(&d, stderr);
                        rc = err_set(err, ERR_INVALID, "'%s' does not load", line);
                        product_free(p);
                } else if (vec_push(out, p) < 0) {
                        product_free(p);
                        rc = err_nomem(err);
                }
                diags_release(&d);
        }
        fclose(fp);
        return rc;
}

static rd_kafka_NewTopic_t *new_topic(const struct topic *t, struct err *err)
{
        char errstr[256];
        rd_kafka_NewTopic_t *nt =
            rd_kafka_NewTopic_new(t->name, t->partitions, t->replicas, errstr, sizeof(errstr));

        if (!nt) {
                err_set(err, ERR_INVALID, "topic '%s': %s", t->name, errstr);
                return NULL;
        }
        for (size_t i = 0; i < t->configs.len; i++) {
                const struct strmap_ent *c = &t->configs.items[i];
                rd_kafka_NewTopic_set_config(nt, c->key, c->value);
        }
        return nt;
}

/* Wait for the admin result of type `type` on the floor's queue. NULL with `err` on timeout. */
static rd_kafka_event_t *wait_result(struct floor *f, rd_kafka_event_type_t type, struct err *err)
{
        rd_kafka_event_t *ev = rd_kafka_queue_poll(f->queue, TIMEOUT_MS + 5000);

        if (!ev || rd_kafka_event_type(ev) != type || rd_kafka_event_error(ev)) {
                err_set(err, ERR_TRANSIENT, "admin call: %s",
                        ev ? rd_kafka_event_error_string(ev) : "timed out");
                if (ev)
                        rd_kafka_event_destroy(ev);
                return NULL;
        }
        return ev;
}

static rd_kafka_AdminOptions_t *options(struct floor *f, rd_kafka_admin_op_t api)
{
        rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(f->rk, api);
        char errstr[256];

        rd_kafka_AdminOptions_set_request_timeout(o, TIMEOUT_MS, errstr, sizeof(errstr));
        rd_kafka_AdminOptions_set_operation_timeout(o, TIMEOUT_MS, errstr, sizeof(errstr));
        return o;
}

/* Count the failed topic results of a CreateTopics/DeleteTopics answer, printing each. */
static size_t topic_failures(const rd_kafka_topic_result_t **res, size_t n)
{
        size_t bad = 0;

        for (size_t i = 0; i < n; i++) {
                if (rd_kafka_topic_result_error(res[i]) == RD_KAFKA_RESP_ERR_NO_ERROR)
                        continue;
                if (bad++ < 5)
                        fprintf(stderr, "topic %s: %s\n", rd_kafka_topic_result_name(res[i]),
                                rd_kafka_topic_result_error_string(res[i]));
        }
        return bad;
}

/* One CreateTopics for nts[0..n); 0, or -1 with `err` set when any topic was not created. */
static int create_chunk(struct floor *f, rd_kafka_NewTopic_t **nts, size_t n, struct err *err)
{
        rd_kafka_AdminOptions_t *o = options(f, RD_KAFKA_ADMIN_OP_CREATETOPICS);
        const rd_kafka_topic_result_t **res;
        rd_kafka_event_t *ev;
        size_t nres = 0, bad;

        rd_kafka_CreateTopics(f->rk, nts, n, o, f->queue);
        rd_kafka_AdminOptions_destroy(o);
        ev = wait_result(f, RD_KAFKA_EVENT_CREATETOPICS_RESULT, err);
        if (!ev)
                return -1;
        res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &nres);
        bad = topic_failures(res, nres);
        rd_kafka_event_destroy(ev);
        if (nres != n && !bad)
                return err_set(err, ERR_TRANSIENT, "%zu results for %zu topics", nres, n);
        return bad ? err_set(err, ERR_TERMINAL, "%zu of %zu topics not created", bad, n) : 0;
}

/* Every topic of every product, in as few CreateTopics as the controller takes
 * (KAFKA_RECORDS_PER_REQUEST, as kafka_apply() sends them). */
static int create_topics(struct floor *f, const struct vec *products, struct tally *t,
                         struct err *err)
{
        rd_kafka_NewTopic_t **nts = calloc(t->topics ? t->topics : 1, sizeof(*nts));
        size_t n = 0, start = 0, records = 0;
        int rc = nts ? 0 : err_nomem(err);

        for (size_t i = 0; rc == 0 && i < products->len; i++) {
                const struct product *p = products->items[i];
                for (size_t j = 0; rc == 0 && j < p->topics.len; j++) {
                        size_t w = kafka_topic_records(p->topics.items[j]);
                        if (n > start && records + w > KAFKA_RECORDS_PER_REQUEST) {
                                rc = create_chunk(f, nts + start, n - start, err);
                                start = n;
                                records = 0;
                        }
                        records += w;
                        nts[n] = new_topic(p->topics.items[j], err);
                        if (nts[n])
                                n++;
                        else
                                rc = -1;
                }
        }
        if (rc == 0 && n > start)
                rc = create_chunk(f, nts + start, n - start, err);
        if (nts)
                rd_kafka_NewTopic_destroy_array(nts, n);
        free(nts);
        return rc;
}

/* A CREATE or DELETE op for one binding (the op owns a copy). */
static struct plan_op *acl_op(const struct acl *a, enum plan_action action)
{
        struct plan_op *op = calloc(1, sizeof(*op));

        if (!op)
                return NULL;
        op->action = action;
        op->resource = PLAN_ACL;
        op->acl = acl_dup(a);
        if (!op->acl) {
                free(op);
                return NULL;
        }
        return op;
}

/* Send `acls` (struct acl *) in ONE CreateAcls request (DeleteAcls: chunks of 5,000). */
static int send_acls(struct floor *f, const struct vec *acls, enum plan_action action,
                     struct err *err)
{
        struct plan_op **ops = calloc(acls->len ? acls->len : 1, sizeof(*ops));
        size_t n = 0, bad = 0;
        int rc = -1;

        if (!ops)
                return err_nomem(err);
        for (; n < acls->len; n++) {
                ops[n] = acl_op(acls->items[n], action);
                if (!ops[n]) {
                        err_nomem(err);
                        goto out;
                }
        }
        /* the broker removes at most 10,000 bindings per DeleteAcls: clean in chunks */
        for (size_t at = 0, chunk; at < n; at += chunk) {
                chunk = action == PLAN_CREATE ? n - at : (n - at < 5000 ? n - at : 5000);
                if ((action == PLAN_CREATE ? kafka_acls_create : kafka_acls_delete)(f->kc, ops + at,
                                                                                    chunk, err) < 0)
                        goto out;
        }
        for (size_t i = 0; i < n; i++)
                if (ops[i]->state != OP_DONE && bad++ < 5)
                        fprintf(stderr, "%s\n", ops[i]->error ? ops[i]->error : "acl not done");
        rc = bad ? err_set(err, ERR_TERMINAL, "%zu of %zu ACL changes failed", bad, n) : 0;
out:
        for (size_t i = 0; i < n; i++)
                plan_op_free(ops[i]);
        free(ops);
        return rc;
}

static int register_subject(struct floor *f, const struct subject *s, struct err *err)
{
        char *enc = ccompat_url_encode(s->name);
        char *cfg = ccompat_config_body(s->compatibility ? s->compatibility : "FULL_TRANSITIVE");
        char *schema = ccompat_schema_body(s->type, s->schema);
        char path[URL_MAX];
        long st = 0;
        int rc = -1;

        if (!enc || !cfg || !schema) {
                err_nomem(err);
                goto out;
        }
        /* the same two requests specmesh sends for a new subject: compatibility, then schema */
        snprintf(path, sizeof(path), "/config/%s", enc);
        if (http(f, "PUT", path, cfg, &st, err) < 0)
                goto out;
        if (st != 200) {
                err_set(err, ERR_TERMINAL, "PUT %s: HTTP %ld", path, st);
                goto out;
        }
        snprintf(path, sizeof(path), "/subjects/%s/versions", enc);
        if (http(f, "POST", path, schema, &st, err) < 0)
                goto out;
        if (st != 200) {
                err_set(err, ERR_TERMINAL, "POST %s: HTTP %ld: %.*s", path, st, (int)f->body.len,
                        f->body.data ? f->body.data : "");
                goto out;
        }
        rc = 0;
out:
        free(enc);
        free(cfg);
        free(schema);
        return rc;
}

static void count_work(const struct vec *products, struct vec *acls, struct tally *t)
{
        t->products = products->len;
        for (size_t i = 0; i < products->len; i++) {
                const struct product *p = products->items[i];
                t->topics += p->topics.len;
                t->subjects += p->subjects.len;
                for (size_t j = 0; j < p->topics.len; j++)
                        t->partitions += (size_t)((struct topic *)p->topics.items[j])->partitions;
                for (size_t j = 0; j < p->acls.len; j++)
                        vec_push(acls, p->acls.items[j]); /* borrowed */
        }
        t->acls = acls->len;
}

static void print_tally(const struct tally *t)
{
        printf("{\"products\":%zu,\"topics\":%zu,\"partitions\":%zu,\"acls\":%zu,\"subjects\":%zu,"
               "\"connect_s\":%.4f,\"create_topics_s\":%.4f,\"create_acls_s\":%.4f,"
               "\"registry_s\":%.4f,\"total_s\":%.4f,\"retries\":%u}\n",
               t->products, t->topics, t->partitions, t->acls, t->subjects, t->connect_s,
               t->topics_s, t->acls_s, t->registry_s, t->total_s, t->retries);
}

/* The timed part: connect, topics, ACLs, subjects. */
static int timed_apply(struct floor *f, const struct vec *products, const struct vec *acls,
                       struct tally *t, struct err *err)
{
        double t0 = now_s(), t1;

        if (floor_open(f, err) < 0)
                return -1;
        t1 = now_s();
        t->connect_s = t1 - t0;
        if (create_topics(f, products, t, err) < 0)
                return -1;
        t->topics_s = now_s() - t1;
        t1 = now_s();
        if (send_acls(f, acls, PLAN_CREATE, err) < 0)
                return -1;
        t->acls_s = now_s() - t1;
        t1 = now_s();
        for (size_t i = 0; i < products->len; i++) {
                const struct product *p = products->items[i];
                for (size_t j = 0; j < p->subjects.len; j++)
                        if (register_subject(f, p->subjects.items[j], err) < 0)
                                return -1;
        }
        t->registry_s = now_s() - t1;
        t->total_s = now_s() - t0;
        t->retries = f->retries;
        return 0;
}

/* acl_free for vec_release, which calls through void (*)(void *) */
static void acl_free_item(void *x)
{
        acl_free(x);
}

/* product_free for vec_release, which calls through void (*)(void *) */
static void product_free_item(void *x)
{
        product_free(x);
}

static int cmd_apply(const char *list, struct err *err)
{
        struct vec products, acls;
        struct tally t = {0};
        struct floor f;
        int rc = -1;

        vec_init(&products);
        vec_init(&acls);
        memset(&f, 0, sizeof(f));
        if (load_products(list, &products, err) == 0) {
                count_work(&products, &acls, &t);
                rc = timed_apply(&f, &products, &acls, &t, err);
        }
        if (rc == 0)
                print_tally(&t);
        floor_close(&f);
        vec_release(&acls, NULL);
        vec_release(&products, product_free_item);
        return rc;
}

/* Names of the topics under `prefix` into `out` (char *). */
static int list_topics(struct floor *f, const char *prefix, struct vec *out, size_t *parts,
                       struct err *err)
{
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t e = rd_kafka_metadata(f->rk, 1, NULL, &md, 30000);

        if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
                return err_set(err, ERR_TRANSIENT, "metadata: %s", rd_kafka_err2str(e));
        for (int i = 0; i < md->topic_cnt; i++) {
                if (!str_starts_with(md->topics[i].topic, prefix))
                        continue;
                vec_push(out, str_dup(md->topics[i].topic));
                if (parts)
                        *parts += (size_t)md->topics[i].partition_cnt;
        }
        rd_kafka_metadata_destroy(md);
        return 0;
}

static int delete_topics(struct floor *f, const struct vec *names, struct err *err)
{
        rd_kafka_DeleteTopic_t **dts = calloc(names->len ? names->len : 1, sizeof(*dts));
        rd_kafka_AdminOptions_t *o = options(f, RD_KAFKA_ADMIN_OP_DELETETOPICS);
        rd_kafka_event_t *ev;
        size_t nres = 0;
        int rc = -1;

        for (size_t i = 0; dts && i < names->len; i++)
                dts[i] = rd_kafka_DeleteTopic_new(names->items[i]);
        rd_kafka_DeleteTopics(f->rk, dts, names->len, o, f->queue);
        ev = wait_result(f, RD_KAFKA_EVENT_DELETETOPICS_RESULT, err);
        if (ev) {
                const rd_kafka_topic_result_t **res = rd_kafka_DeleteTopics_result_topics(
                    rd_kafka_event_DeleteTopics_result(ev), &nres);
                topic_failures(res, nres);
                rd_kafka_event_destroy(ev);
                rc = 0;
        }
        if (dts)
                rd_kafka_DeleteTopic_destroy_array(dts, names->len);
        free(dts);
        rd_kafka_AdminOptions_destroy(o);
        return rc;
}

/* Delete the topics under `prefix` and wait until the metadata no longer lists them: up to
 * ten minutes (a single KRaft broker on 2 cores took minutes to stop listing 5,000 deleted
 * topics, the fleet benchmarks' N=1,000), asking again every 5 s at first, then every 25 s. */
static int clean_topics(struct floor *f, const char *prefix, struct err *err)
{
        struct vec names;
        int rc = 0;

        for (int tries = 0; rc == 0 && tries < 600; tries++) {
                vec_init(&names);
                rc = list_topics(f, prefix, &names, NULL, err);
                if (rc == 0 && names.len == 0) {
                        vec_release(&names, free);
                        return 0;
                }
                if (rc == 0 && tries % 25 == 0)
                        rc = delete_topics(f, &names, err);
                vec_release(&names, free);
                usleep(tries < 25 ? 200000 : 1000000);
        }
        return rc < 0 ? -1 : err_set(err, ERR_TRANSIENT, "topics under %s did not go away", prefix);
}

static bool acl_under(const struct acl *a, const char *prefix)
{
        const char *user = str_starts_with(a->principal, "User:") ? a->principal + 5 : "";

        return str_starts_with(a->name, prefix) || str_starts_with(user, prefix);
}

/* The ACL bindings whose resource or principal lies under `prefix`, into `out` (owned). */
static int list_acls(struct floor *f, const char *prefix, struct vec *out, struct err *err)
{
        struct vec all;
        int rc;

        vec_init(&all);
        rc = kafka_acls_describe(f->kc, &all, err);
        for (size_t i = 0; i < all.len; i++) {
                if (acl_under(all.items[i], prefix) && vec_push(out, all.items[i]) == 0)
                        all.items[i] = NULL;
        }
        vec_release(&all, acl_free_item);
        return rc;
}

/* The subjects under `prefix` (char *) into `out`. */
static int list_subjects(struct floor *f, const char *prefix, struct vec *out, struct err *err)
{
        struct json_object *arr;
        long st = 0;

        if (http(f, "GET", "/subjects?limit=100000", NULL, &st, err) < 0)
                return -1;
        arr = ccompat_parse(f->body.data, f->body.len);
        if (st != 200 || !json_object_is_type(arr, json_type_array)) {
                json_object_put(arr);
                return err_set(err, ERR_INTERNAL, "GET /subjects: HTTP %ld", st);
        }
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
                if (s && str_starts_with(s, prefix))
                        vec_push(out, str_dup(s));
        }
        json_object_put(arr);
        return 0;
}

static int delete_subjects(struct floor *f, const struct vec *names, struct err *err)
{
        char path[URL_MAX];
        long st;
        int rc = 0;

        for (size_t i = 0; rc == 0 && i < names->len; i++) {
                char *enc = ccompat_url_encode(names->items[i]);
                if (!enc)
                        return err_nomem(err);
                snprintf(path, sizeof(path), "/subjects/%s", enc);
                rc = http(f, "DELETE", path, NULL, &st, err);
                snprintf(path, sizeof(path), "/subjects/%s?permanent=true", enc);
                if (rc == 0)
                        rc = http(f, "DELETE", path, NULL, &st, err);
                free(enc);
        }
        return rc;
}

/* Delete the subjects under `prefix`, pass after pass: the list asks for every subject
 * (Apicurio answers 1,000 without `limit`), and a registry that caps it anyway shows the rest
 * on the next pass. */
static int clean_subjects(struct floor *f, const char *prefix, struct err *err)
{
        struct vec names;
        int rc = 0;

        for (int pass = 0; rc == 0 && pass < 50; pass++) {
                vec_init(&names);
                rc = list_subjects(f, prefix, &names, err);
                if (rc == 0 && names.len == 0) {
                        vec_release(&names, free);
                        return 0;
                }
                if (rc == 0)
                        rc = delete_subjects(f, &names, err);
                vec_release(&names, free);
        }
        return rc < 0 ? -1
                      : err_set(err, ERR_TRANSIENT, "subjects under %s did not go away", prefix);
}

/* How many of the subjects of the products in `list` exist (one GET each: a list of all
 * subjects is capped by Apicurio, see clean_subjects). */
static int probe_subjects(struct floor *f, const char *list, size_t *n, struct err *err)
{
        struct vec products;
        char path[URL_MAX];
        long st = 0;
        int rc;

        vec_init(&products);
        rc = load_products(list, &products, err);
        for (size_t i = 0; rc == 0 && i < products.len; i++) {
                const struct product *p = products.items[i];
                for (size_t j = 0; rc == 0 && j < p->subjects.len; j++) {
                        char *enc =
                            ccompat_url_encode(((struct subject *)p->subjects.items[j])->name);
                        snprintf(path, sizeof(path), "/subjects/%s/versions/latest",
                                 enc ? enc : "");
                        rc = http(f, "GET", path, NULL, &st, err);
                        *n += rc == 0 && st == 200;
                        free(enc);
                }
        }
        vec_release(&products, product_free_item);
        return rc;
}

/* Delete the bindings under `prefix` and wait until DescribeAcls no longer shows them (the
 * broker's authorizer follows the metadata log, a moment after the delete is acknowledged). */
static int clean_acls(struct floor *f, const char *prefix, struct err *err)
{
        struct vec acls;
        int rc = 0;

        for (int tries = 0; rc == 0 && tries < 150; tries++) {
                vec_init(&acls);
                rc = list_acls(f, prefix, &acls, err);
                if (rc == 0 && acls.len == 0) {
                        vec_release(&acls, NULL);
                        return 0;
                }
                if (rc == 0 && tries % 25 == 0)
                        rc = send_acls(f, &acls, PLAN_DELETE, err);
                vec_release(&acls, acl_free_item);
                usleep(200000);
        }
        return rc < 0 ? -1 : err_set(err, ERR_TRANSIENT, "ACLs under %s did not go away", prefix);
}

static int cmd_clean(const char *prefix, struct err *err)
{
        struct floor f;
        int rc = -1;

        if (floor_open(&f, err) == 0 && clean_topics(&f, prefix, err) == 0 &&
            clean_acls(&f, prefix, err) == 0)
                rc = clean_subjects(&f, prefix, err);
        floor_close(&f);
        return rc;
}

/* Print what exists under `prefix`; with `list`, subjects are those of its products. */
static int cmd_count(const char *prefix, const char *list, struct err *err)
{
        struct vec topics, acls, subjects;
        size_t parts = 0, nsubjects = 0;
        struct floor f;
        int rc = -1;

        vec_init(&topics);
        vec_init(&acls);
        vec_init(&subjects);
        if (floor_open(&f, err) == 0 && list_topics(&f, prefix, &topics, &parts, err) == 0 &&
            list_acls(&f, prefix, &acls, err) == 0 &&
            (list ? probe_subjects(&f, list, &nsubjects, err)
                  : list_subjects(&f, prefix, &subjects, err)) == 0) {
                printf("{\"topics\":%zu,\"partitions\":%zu,\"acls\":%zu,\"subjects\":%zu}\n",
                       topics.len, parts, acls.len, list ? nsubjects : subjects.len);
                rc = 0;
        }
        vec_release(&topics, free);
        vec_release(&acls, acl_free_item);
        vec_release(&subjects, free);
        floor_close(&f);
        return rc;
}

int main(int argc, char **argv)
{
        struct err err;
        int rc = -1;

        err_clear(&err);
        if (argc == 2 && strcmp(argv[1], "--version") == 0) {
                printf("librdkafka %s\n%s\n", rd_kafka_version_str(), curl_version());
                return 0;
        }
        if (argc != 3 && !(argc == 4 && strcmp(argv[1], "count") == 0)) {
                fprintf(stderr, "usage: bench_floor apply LIST | clean PREFIX | "
                                "count PREFIX [LIST] | --version\n");
                return 2;
        }
        curl_global_init(CURL_GLOBAL_DEFAULT);
        if (strcmp(argv[1], "apply") == 0)
                rc = cmd_apply(argv[2], &err);
        else if (strcmp(argv[1], "count") == 0)
                rc = cmd_count(argv[2], argc == 4 ? argv[3] : NULL, &err);
        else if (strcmp(argv[1], "clean") == 0 && str_starts_with(argv[2], "bench."))
                rc = cmd_clean(argv[2], &err);
        else
                err_set(&err, ERR_INVALID, "unknown command or a prefix outside bench.: %s %s",
                        argv[1], argv[2]);
        curl_global_cleanup();
        if (rc < 0)
                fprintf(stderr, "bench_floor: %s\n", err.msg);
        return rc < 0 ? 1 : 0;
}
