#include "operator/engine.h"

#include <string.h>

#include "operator/cli.h"
#include "pkg/base/err.h"
#include "pkg/kafka/kafka.h"
#include "pkg/kafka/scramcred.h"
#include "pkg/model/model.h"
#include "pkg/plan/plan.h"
#include "pkg/registry/registry.h"
#include "pkg/base/banned.h"

static int kafka_port_observe(void *self, const struct product *want, struct product *have,
                              struct err *err)
{
        return kafka_observe(self, want->domain, want->principal, have, err);
}

static int kafka_port_apply(void *self, struct plan *p, bool dry_run, struct err *err)
{
        return kafka_apply(self, p, dry_run ? KAFKA_APPLY_DRY_RUN : 0, err);
}

static const struct backend_ops kafka_port = {"kafka", kafka_port_observe, kafka_port_apply, NULL};

static int registry_port_observe(void *self, const struct product *want, struct product *have,
                                 struct err *err)
{
        return registry_observe(self, want->domain, want, have, err);
}

static int registry_port_apply(void *self, struct plan *p, bool dry_run, struct err *err)
{
        return registry_apply(self, p, dry_run ? REGISTRY_APPLY_DRY_RUN : 0, err);
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

/* A changed subject read back for its new version and id (one subject, no listing). */
static int registry_port_refresh(void *self, const struct plan_op *op, const struct product *want,
                                 struct product *have, struct err *err)
{
        const char *name = op->want_subject->name;
        struct subject *s = NULL;

        if (registry_read_subject(self, name, product_subject(want, name), &s, err) < 0)
                return -1;
        return put_subject(have, name, s) < 0 ? err_nomem(err) : 0;
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
        e->core.kafka = (struct backend){&kafka_port, e->kafka};
        if (e->registry)
                e->core.registry = (struct backend){&registry_port, e->registry};
        return 0;
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
