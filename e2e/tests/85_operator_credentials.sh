#!/usr/bin/env bash
# End-to-end: DataProducts with spec.credentials under `specmesh operator` (as its
# ServiceAccount, with deploy/20-rbac.yaml plus the opt-in deploy/25-rbac-credentials.yaml).
# The operator creates the SCRAM credential of User:<domain> and the Secret <name>-credentials
# owned by the DataProduct; an app uses the Secret's sasl.jaas.config with Kafka's console
# producer to write to its own topic and Kafka's console consumer to read a topic another
# product granted it, while another product's credential is refused on its own topic;
# rotation on the annotation (new password works, old one does not); drift (credential deleted
# in Kafka, Secret deleted) repaired; deletion removes both; no password in the operator's log,
# events or status.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
PROBE=$(dirname "$SM")/wire_probe
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
E2E_TMP=${E2E_TMP:-$work}
ns=opc-$$-$RANDOM
APP=e2eopc$$.app
OTHER=e2eopc$$.other
TOPIC=$APP._public.events
pid=

cleanup() {
        [ -n "$pid" ] && { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true
        for d in app other; do
                kube_admin patch dp -n "$ns" "$d" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
                kube_admin delete dp -n "$ns" "$d" --wait=false >/dev/null 2>&1 || true
        done
        for d in $APP $OTHER; do
                "$SM" credentials delete --domain "$d" >/dev/null 2>&1 || true
        done
        e2e_forget_domain $APP $OTHER >/dev/null 2>&1 || true
        # the opt-in Secret RBAC goes again: other tests check that deploy/'s default has none
        kube_admin delete -f "$root/deploy/25-rbac-credentials.yaml" --ignore-not-found >/dev/null 2>&1 || true
        [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

secret_key() { # DP KEY: a decoded key of the DataProduct's Secret
        kube_admin get secret -n "$ns" "$1-credentials" -o jsonpath="{.data.${2//./\\.}}" | base64 -d
}
java_props() { # DP FILE: a Java client properties file from the Secret
        {
                echo security.protocol=SASL_PLAINTEXT
                echo sasl.mechanism=SCRAM-SHA-512
                echo "sasl.jaas.config=$(secret_key "$1" sasl.jaas.config)"
        } >"$2"
        echo "$2"
}
produce() { # PROPS VALUE
        echo "$2" | kafka_tool "$(kafka_class ConsoleProducer)" --bootstrap-server 127.0.0.1:19092 \
                --producer.config "$1" --topic "$TOPIC" --producer-property max.block.ms=8000 \
                --producer-property delivery.timeout.ms=8000 --producer-property request.timeout.ms=5000 \
                --producer-property linger.ms=0 2>&1 || true
}
landed() { kcat -F "$SPECMESH_KAFKA_CONFIG" -C -t "$TOPIC" -o beginning -e -q 2>/dev/null | grep -qx "$1"; }
works() { # PROPS VALUE: produce until VALUE lands (up to 15 tries)
        local i
        for i in $(seq 1 15); do
                produce "$1" "$2" >"$work/produce.out"
                landed "$2" && { T_CHECKS=$((T_CHECKS + 1)); return 0; }
                sleep 1
        done
        t_fail "producing with $1 never worked: $(grep -iE 'error|exception' "$work/produce.out" | head -3)"
}
refused() { # PROPS VALUE REGEX
        local i out
        for i in $(seq 1 15); do
                out=$(produce "$1" "$2")
                if grep -qiE "$3" <<<"$out"; then
                        landed "$2" && t_fail "refused, yet the record landed"
                        T_CHECKS=$((T_CHECKS + 1))
                        return 0
                fi
                sleep 1
        done
        t_fail "not refused ($3): $(grep -iE 'error|exception' <<<"$out" | head -3)"
}
spec() { # DOMAIN-LAST NAME [EXTRA-CHANNELS]: a DataProduct with credentials
        cat >"$work/$2.asyncapi.yaml" <<Y
asyncapi: '2.6.0'
id: 'urn:e2eopc$$:$1'
info: {title: $1, version: '1.0.0'}
channels:
  _public.events:
    bindings: {kafka: {partitions: 1, replicas: 1}}
    publish:
      message: {name: record}
${3:-}
Y
        "$SM" manifest "$work/$2.asyncapi.yaml" --name "$2" --namespace "$ns" >"$work/$2.yaml"
        printf '  credentials: {mechanism: SCRAM-SHA-512}\n' >>"$work/$2.yaml"
        echo "$work/$2.yaml"
}
password() { secret_key app password; }

step "CRD, deploy/'s RBAC plus the credentials RBAC, the operator"
kube_admin apply -f "$root/crds/dataproducts.specmesh.io.yaml" >/dev/null
kube_admin wait --for=condition=Established crd/dataproducts.specmesh.io --timeout=30s >/dev/null
kube_admin apply -f "$root/deploy/00-namespace.yaml" -f "$root/deploy/10-serviceaccount.yaml" \
        -f "$root/deploy/20-rbac.yaml" -f "$root/deploy/25-rbac-credentials.yaml" >/dev/null
kube_admin create namespace "$ns" >/dev/null
t_assert_eq "$(kube_admin auth can-i list secrets -n "$ns" --as system:serviceaccount:specmesh-system:specmesh-operator)" no "no list on Secrets"
SPECMESH_USAGE_INTERVAL=2 "$SM" operator --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" --metrics-addr 127.0.0.1:18093 \
        --resync 5 --log-level debug >"$work/operator.log" 2>&1 &
pid=$!

step "a DataProduct with spec.credentials -> Ready, a Secret owned by it"
kube_admin apply -f "$(spec app app)" >/dev/null
kube_admin wait --for=condition=Ready dp/app -n "$ns" --timeout=60s >/dev/null
t_assert_eq "$(kube_admin get secret -n "$ns" app-credentials -o go-template='{{range $k, $v := .data}}{{$k}} {{end}}')" \
        "librdkafka.properties password sasl.jaas.config username " "the Secret's keys"
t_assert_eq "$(kube_admin get secret -n "$ns" app-credentials -o jsonpath='{.metadata.ownerReferences[0].uid}')" \
        "$(kube_admin get dp -n "$ns" app -o jsonpath='{.metadata.uid}')" "owned by the DataProduct"
t_assert_eq "$(secret_key app username)" "$APP" "username"
t_assert_eq "$(kube_admin get dp -n "$ns" app -o jsonpath='{.status.credentials.secretName}')" app-credentials "status names the Secret"
grep -qx "sasl.username=$APP" <(secret_key app librdkafka.properties) || t_fail "librdkafka.properties"
t_assert_eq "$("$PROBE" "$SPECMESH_KAFKA_CONFIG" scram "$APP")" SCRAM-SHA-512 "the credential in Kafka"
pw1=$(password)
t_assert_eq "${#pw1}" 32 "a 32-character password"

step "an app reads the Secret and produces to its own topic with Kafka's console producer"
works "$(java_props app "$work/app1.properties")" "a1-$$"

step "another product's credential is refused on this topic"
# other also produces a _protected topic granted to app's domain only
granted=$(cat <<Y
  _protected.orders:
    bindings: {kafka: {partitions: 1, replicas: 1}}
    publish:
      tags: [{name: 'grant-access:$APP'}]
      message: {name: order}
Y
)
kube_admin apply -f "$(spec other other "$granted")" >/dev/null
kube_admin wait --for=condition=Ready dp/other -n "$ns" --timeout=60s >/dev/null
refused "$(java_props other "$work/other.properties")" "o1-$$" "not authorized|TopicAuthorizationException"

step "app consumes the topic other granted it, with Kafka's console consumer and its own group"
ORDERS=$OTHER._protected.orders
echo "order-$$" | kafka_tool "$(kafka_class ConsoleProducer)" --bootstrap-server 127.0.0.1:19092 \
        --producer.config "$work/other.properties" --topic "$ORDERS" --producer-property max.block.ms=8000 \
        --producer-property delivery.timeout.ms=8000 >/dev/null 2>&1 || t_fail "other cannot produce to its own $ORDERS"
consume() { # PROPS GROUP: the records of $ORDERS a console consumer reads (bounded: 15 s)
        kafka_tool "$(kafka_class ConsoleConsumer)" --bootstrap-server 127.0.0.1:19092 \
                --consumer.config "$1" --topic "$ORDERS" --group "$2" --from-beginning \
                --max-messages 1 --timeout-ms 15000 2>&1 || true
}
t_assert_match "$(consume "$work/app1.properties" "$APP.reader")" "^order-$$" "app reads the granted topic"
t_assert_match "$(consume "$work/app1.properties" "$OTHER.reader")" "GroupAuthorizationException|Not authorized" \
        "app may not use a group of other's domain"

step "rotate on the annotation: the Secret first, then the credential; the old password stops"
kube_admin annotate dp -n "$ns" app specmesh.io/rotate-credentials=r1 >/dev/null
changed() { [ "$(password)" != "$pw1" ]; }
wait_for 30 "a new password in the Secret" changed
works "$(java_props app "$work/app2.properties")" "a2-$$"
refused "$work/app1.properties" "a-old-$$" "authentication failed|SaslAuthenticationException"
pw2=$(password)
sleep 7 # a resync: the same annotation value rotates nothing more
# (compared, never printed: test output is no place for a password either)
[ "$(password)" = "$pw2" ] || t_fail "a second rotation for the same annotation value"
T_CHECKS=$((T_CHECKS + 1))

step "drift: the credential deleted in Kafka is restored from the Secret (same password)"
"$SM" credentials delete --domain "$APP" >/dev/null
restored() { [ "$("$PROBE" "$SPECMESH_KAFKA_CONFIG" scram "$APP")" = SCRAM-SHA-512 ]; }
wait_for 30 "the credential back in Kafka" restored
[ "$(password)" = "$pw2" ] || t_fail "the Secret's password changed"
T_CHECKS=$((T_CHECKS + 1))
works "$work/app2.properties" "a3-$$"

step "drift: a deleted Secret is written again with a new password"
kube_admin delete secret -n "$ns" app-credentials >/dev/null
back() { [ -n "$(password 2>/dev/null)" ] && [ "$(password)" != "$pw2" ]; }
wait_for 30 "the Secret back" back
works "$(java_props app "$work/app3.properties")" "a4-$$"

step "usage: /metrics has the topic's bytes; the status has the product's usage"
topic_bytes() { curl -s http://127.0.0.1:18093/metrics | awk -v m="specmesh_topic_bytes{domain=\"$APP\",topic=\"$TOPIC\"}" '$1 == m {print $2}'; }
has_bytes() { [ "$(topic_bytes)" -gt 0 ]; }
wait_for 30 "specmesh_topic_bytes of $TOPIC" has_bytes
status_bytes() { [ "$(kube_admin get dp -n "$ns" app -o jsonpath='{.status.usage.bytes}')" -gt 0 ]; }
wait_for 30 "status.usage.bytes" status_bytes
curl -s http://127.0.0.1:18093/metrics | grep -E '^# TYPE specmesh_consumer_lag gauge$' >/dev/null || t_fail "no specmesh_consumer_lag"
T_CHECKS=$((T_CHECKS + 1))

step "nothing secret in the operator's log, the events or the status"
kube_admin get events -n "$ns" -o json >"$work/events.json"
kube_admin get dp -n "$ns" -o json >"$work/dps.json"
grep -q "Credentials" "$work/events.json" || t_fail "no Credentials event"
for p in "$pw1" "$pw2" "$(password)" "$(secret_key other password)"; do
        for f in "$work/operator.log" "$work/events.json" "$work/dps.json"; do
                grep -qF -- "$p" "$f" && t_fail "a password in $(basename "$f")"
                grep -qF -- "$(printf %s "$p" | base64)" "$f" && t_fail "a base64 password in $(basename "$f")"
        done
done
T_CHECKS=$((T_CHECKS + 1))

step "deleting the DataProduct deletes the credential and the Secret"
kube_admin delete dp -n "$ns" app --wait=false >/dev/null
gone() { ! kube_admin get dp -n "$ns" app >/dev/null 2>&1; }
wait_for 30 "the DataProduct gone" gone
t_assert_eq "$("$PROBE" "$SPECMESH_KAFKA_CONFIG" scram "$APP")" none "no credential in Kafka"
t_assert_eq "$(kube_admin get secret -n "$ns" app-credentials --ignore-not-found -o name)" "" "no Secret"

t_done
