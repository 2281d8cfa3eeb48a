/*
 * A DataProduct's client identity (opt-in: spec.credentials): the SCRAM credential of its
 * principal User:<domain> in Kafka and a Secret in the product's namespace, owned by the
 * DataProduct, that holds it for applications: username, password, sasl.jaas.config (Java
 * clients) and librdkafka.properties. Like Strimzi's KafkaUser Secret.
 *
 * Rotation (docs/credentials.md): on request (annotation specmesh.io/rotate-credentials set
 * to a new value) or on schedule (spec.credentials.rotationDays). SCRAM keeps one credential
 * per user and mechanism, so there is no overlap: the new password is written to the Secret
 * first, then the credential is altered, and from then on only the new password authenticates
 * new connections (established ones stay up). Drift is repaired on every reconcile: a
 * credential deleted in Kafka is set again from the Secret's password; a deleted Secret gets a
 * new password (the old one is lost, so it is rotated). Nothing secret is logged, put into
 * events or into the status: the status names the Secret only.
 */
#ifndef OPERATOR_CREDENTIALS_H
#define OPERATOR_CREDENTIALS_H

#include <json-c/json.h>

struct err;
struct kafka;
struct kube;
struct log_ctx;

#define DP_ROTATE_ANNOTATION "specmesh.io/rotate-credentials"

/* What one call needs: the clients, the DataProduct object, its principal. All borrowed. */
struct dp_cred_ctx {
        struct kube *kube;
        struct kafka *kafka;
        json_object *obj;
        const char *domain;    /* the product's domain: the SCRAM user */
        const char *principal; /* must be "User:<domain>": no credential for an override */
        const struct log_ctx *log;
};

/*
 * Make the credential and its Secret exist, repair drift, rotate when asked or due. Does
 * nothing (returns 0, *status NULL) when spec.credentials is absent. On success *status is
 * the status summary {"credentials": {secretName, username, mechanism, rotatedAt}} (caller
 * puts it). -1 with `err` set (naming the Secret or Kafka's refusal) otherwise; `event_reason`
 * receives what happened for an Event ("" when nothing changed).
 */
int dp_credentials_reconcile(const struct dp_cred_ctx *c, json_object **status, char *event,
                             size_t n, struct err *err);

/*
 * The DataProduct is going: delete the SCRAM credential (the mechanism its Secret says, else
 * spec's) and the Secret (garbage collection would too, through the owner reference). Nothing
 * when spec.credentials is absent. Returns 0 or -1 with `err` set.
 */
int dp_credentials_delete(const struct dp_cred_ctx *c, struct err *err);

#endif
