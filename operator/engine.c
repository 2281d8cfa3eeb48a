#include "operator/engine.h"

#include <stdlib.h>
#include <string.h>

#include "operator/cli.h"
#include "pkg/base/err.h"
#include "pkg/base/map.h"
#include "pkg/base/vec.h"
#include "pkg/kafka/kafka.h"
#include "pkg/kafka/scramcred.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/registry/registry.h"
#include "pkg/runtime/breaker.h"
#include "pkg/runtime/combine.h"
#include "pkg/runtime/snapshot.h"
#include "pkg/base/banned.h"

/* The shared Kafka view's reader (pkg/runtime/snapshot.h calls it): the objects of the
 * products the operator serves, when it says which, else everything. */
static void *read_kafka_view(void *arg, struct err *err)
{
        struct engine *e = arg;
        struct map domains, principals;
        struct kafka_scope scope = {&domains, &principals};
        struct kafka_view *v = NULL;

        if (!e->shared->scope)
                return kafka_view_read(e->kafka, NULL, err);
        map_init(&domains);
        map_init(&principals);
        if (e->shared->scope(e->shared->scope_arg, &domains, &principals) < 0)
                err_nomem(err);
        else
                v = kafka_view_read(e->kafka, &scope, err);
        map_release(&domains, NULL);
        map_release(&principals, NULL);
        return v;
}

static void free_kafka_view(void *v)
{
        kafka_view_free(v);
}

static int kafka_observe_shared(struct engine *e, const struct product *want, struct product *have,
                                struct err *err)
{
        struct snapshot *s;
        int rc;

        if (!e->shared)
                return kafka_observe(e->kafka, want->domain, want->principal, have, err);
        for (int attempt = 0; attempt < 2; attempt++) {
                bool fenced = false;
                /* the second time round (a domain the view had not read), a new view */
                s = attempt ? snapshot_get(&e->shared->kafka, want->domain, read_kafka_view, e, err)
                            : snapshot_get_unfenced(&e->shared->kafka, want->domain,
                                                    read_kafka_view, e, &fenced, err);
                if (!s && fenced) /* it wrote since the current view: read its domain alone */
                        break;
                if (!s)
                        return -1;
                rc = kafka_view_select(s->data, want->domain, want->principal, have, err);
                snapshot_put(&e->shared->kafka, s);
                if (rc != 1)
                        return rc;
                /* a domain claimed after the view was read (a bulk load): a new view will
                 * have it, and serves the others arriving now too */
                snapshot_wrote(&e->shared->kafka, want->domain);
        }
        return kafka_observe(e->kafka, want->domain, want->principal, have, err);
}

typedef int (*observe_fn)(struct engine *e, const struct product *want, struct product *have,
                          struct err *err);

/* A reading of a backend (`backend` at `at`: "kafka", its bootstrap servers) through its
 * breaker (pkg/runtime/breaker.h): fails at once while the backend is known to be down and
 * another probes it. The message names the backend only: the last failure's own text may name
 * the product whose reading failed (a registry subject), which is not this product's to see. */
static int guarded(struct breaker *b, const char *backend, const char *at, observe_fn observe,
                   struct engine *e, const struct product *want, struct product *have,
                   struct err *err)
{
        bool probe;
        int rc;

        if (!breaker_allow(b, &probe, err))
                return err_set(err, ERR_TRANSIENT,
                               "%s %s: not answering (its last reading failed; one reconcile at "
                               "a time tries it again)",
                               backend, at ? at : "");
        rc = observe(e, want, have, err);
        breaker_done(b, probe, rc, err);
        return rc;
}

static int kafka_port_observe(void *self, const struct product *want, struct product *have,
                              struct err *err)
{
        struct engine *e = self;

        return guarded(e->kafka_guard, "kafka", kafka_config_get(e->kafka, "bootstrap.servers"),
                       kafka_observe_shared, e, want, have, err);
}

/* After a real apply of `p`'s ops: the shared observation must not serve its domain as it was. */
static void fence(struct snapshot_cache *c, const struct plan *p, bool dry_run)
{
        if (c && !dry_run && p->ops.len > 0 && p->domain)
                snapshot_wrote(c, p->domain);
}

/* One plan's Kafka writes, handed to the combiner: the plan, and where its outcome goes. */
struct kafka_piece {
        struct plan *p;
        struct err *err;
        int rc;
};

/* The combiner's leader: every piece's plan in one kafka_apply_many() over the leader's own
 * client (followers' clients stay idle meanwhile). */
static void apply_pieces(void *arg, void **pieces, size_t n)
{
        struct engine *e = arg;
        struct plan *plans[ENGINE_BATCH_MAX];
        struct err errs[ENGINE_BATCH_MAX];
        int rcs[ENGINE_BATCH_MAX];

        for (size_t i = 0; i < n; i++)
                plans[i] = ((struct kafka_piece *)pieces[i])->p;
        kafka_apply_many(e->kafka, plans, n, 0, errs, rcs);
        for (size_t i = 0; i < n; i++) {
                struct kafka_piece *x = pieces[i];
                x->rc = rcs[i];
                if (rcs[i] < 0)
                        *x->err = errs[i];
        }
}

static int kafka_port_apply(void *self, struct plan *p, bool dry_run, struct err *err)
{
        struct engine *e = self;
        struct kafka_piece piece = {p, err, 0};

        if (e->shared && e->shared->combine && !dry_run)
                combine(e->shared->combine, &piece, apply_pieces, e);
        else
                piece.rc = kafka_apply(e->kafka, p, dry_run ? KAFKA_APPLY_DRY_RUN : 0, err);
        fence(e->shared ? &e->shared->kafka : NULL, p, dry_run);
        return piece.rc;
}

static const struct backend_ops kafka_port = {"kafka", kafka_port_observe, kafka_port_apply, NULL};

static void *read_subject_names(void *arg, struct err *err)
{
        struct engine *e = arg;
        struct vec *names = malloc(sizeof(*names));

        if (!names) {
                err_nomem(err);
                return NULL;
        }
        vec_init(names);
        if (registry_list_all(e->registry, names, err) < 0) {
                free(names);
                return NULL;
        }
        return names;
}

static void free_subject_names(void *v)
{
        vec_release(v, free);
        free(v);
}

static int registry_observe_shared(struct engine *e, const struct product *want,
                                   struct product *have, struct err *err)
{
        struct snapshot *s;
        int rc;

        if (!e->shared)
                return registry_observe(e->registry, want->domain, want, have, err);
        s = snapshot_get(&e->shared->registry, want->domain, read_subject_names, e, err);
        if (!s)
                return -1;
        rc = registry_observe_listed(e->registry, want->domain, want, s->data, have, err);
        snapshot_put(&e->shared->registry, s);
        return rc;
}

static int registry_port_observe(void *self, const struct product *want, struct product *have,
                                 struct err *err)
{
        struct engine *e = self;

        return guarded(e->registry_guard, "schema registry", registry_url(e->registry),
                       registry_observe_shared, e, want, have, err);
}

static int registry_port_apply(void *self, struct plan *p, bool dry_run, struct err *err)
{
        struct engine *e = self;
        int rc = registry_apply(e->registry, p, dry_run ? REGISTRY_APPLY_DRY_RUN : 0, err);

        fence(e->shared ? &e->shared->registry : NULL, p, dry_run);
        return rc;
}

/* Put `s` (taken; NULL removes) in place of the subject called `name` in `have`. */
static int put_subject(struct product *have, const char *name, struct subject *s)
{
        for (size_t i = 0; i < have->subjects.len; i++) {
                struct subject *x = have->subjects.items[i];
                if (strcmp(x->name, name) != 0)
                        continue;
                subject_free(x);
                if (s)
                        have->subjects.items[i] = s;
                else
                        vec_remove(&have->subjects, i);
                return 0;
        }
        if (s && vec_push(&have->subjects, s) < 0) {
                subject_free(s);
                return -1;
        }
        return 0;
}

/*
 * A subject the plan registered, read back for its new version and id: one lookup of the
 * wanted schema, the compatibility being the level the op set, or the one it saw and left
 * (a create that sets none reads it). No listing.
 */
static int registry_port_refresh(void *self, const struct plan_op *op, const struct product *want,
                                 struct product *have, struct err *err)
{
        const struct subject *w = product_subject(want, op->want_subject->name);
        bool set = op->action == PLAN_CREATE ? op->want_subject->compatibility != NULL
                                             : op->set_compatibility;
        const char *level = set                ? op->want_subject->compatibility
                            : op->have_subject ? op->have_subject->compatibility
                                               : NULL;
        struct subject *s = NULL;

        if (registry_read_registered(((struct engine *)self)->registry, w ? w : op->want_subject,
                                     set || op->have_subject, level, &s, err) < 0)
                return -1;
        return put_subject(have, op->want_subject->name, s) < 0 ? err_nomem(err) : 0;
}

static const struct backend_ops registry_port = {"registry", registry_port_observe,
                                                 registry_port_apply, registry_port_refresh};

int engine_open(struct engine *e, const struct cli_conn *conn, struct err *err)
{
        memset(e, 0, sizeof(*e));
        if (!conn->kafka_config && !conn->bootstrap)
                return err_set(err, ERR_INVALID,
                               "no Kafka connection: pass --kafka-config FILE or set "
                               "SPECMESH_KAFKA_CONFIG");
        e->kafka = kafka_open(conn->kafka_config, conn->bootstrap, err);
        if (!e->kafka)
                return -1;
        if (conn->registry_url || conn->registry_config) {
                e->registry = registry_open(conn->registry_url, conn->registry_config, err);
                if (!e->registry) {
                        engine_close(e);
                        return -1;
                }
        }
        e->core.kafka = (struct backend){&kafka_port, e};
        if (e->registry)
                e->core.registry = (struct backend){&registry_port, e};
        return 0;
}

void engine_shared_init(struct engine_shared *s, double window_s)
{
        memset(s, 0, sizeof(*s));
        snapshot_cache_init(&s->kafka, window_s, free_kafka_view);
        snapshot_cache_init(&s->registry, window_s, free_subject_names);
}

void engine_shared_release(struct engine_shared *s)
{
        snapshot_cache_release(&s->kafka);
        snapshot_cache_release(&s->registry);
}

void engine_close(struct engine *e)
{
        kafka_close(e->kafka);
        registry_free(e->registry);
        memset(e, 0, sizeof(*e));
}

struct product *engine_observe(struct engine *e, const struct product *want, struct err *err)
{
        return reconcile_observe(&e->core, want, err);
}

bool engine_is_self(const struct engine *e, const char *principal)
{
        const char *self = e->kafka ? kafka_config_get(e->kafka, "sasl.username") : NULL;

        if (!principal || !self || !self[0])
                return false;
        if (strncmp(principal, "User:", 5) == 0)
                principal += 5;
        return strcmp(principal, self) == 0;
}

int engine_reconcile(struct engine *e, const struct product *want, unsigned flags, struct plan *out,
                     struct product **have_after, struct err *err)
{
        if (engine_is_self(e, want->principal))
                return err_set(err, ERR_INVALID,
                               "principal %s is the user specmesh itself connects to Kafka as: "
                               "a product may not put ACLs or a quota on it",
                               want->principal);
        return reconcile_run(&e->core, want, flags, out, have_after, err);
}

double engine_last_write(struct engine *e, const char *domain)
{
        double k, g;

        if (!e->shared)
                return 0;
        k = snapshot_last_write(&e->shared->kafka, domain);
        g = snapshot_last_write(&e->shared->registry, domain);
        return k > g ? k : g;
}
