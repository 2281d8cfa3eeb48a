#!/usr/bin/env bash
# End-to-end: `specmesh operator` against the real kube-apiserver, Kafka and Apicurio, running
# as the operator's ServiceAccount bound by exactly the RBAC in deploy/. Two instances elect a
# leader; DataProducts are applied with kubectl and the results are checked with Kafka's own
# tools, kcat and curl: creation, an edit, a revoked grant, drift, a broken spec, a domain
# conflict, suspend, kill -9 of the leader mid-reconcile, deletion with Retain and with Delete,
# and a graceful stop.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
ns=op-$$-$RANDOM # namespaces never finish deleting without a controller-manager: one per run
BDL=london.hammersmith.olympia.bigdatalondon
TRN=london.hammersmith.transport
PURCHASE=$BDL._protected.retail.purchase
ATTENDEE=$BDL._public.attendee
pids=()

stop_operators() {
        for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
        for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
        pids=()
}
# delete every DataProduct, dropping finalizers so nothing waits for an operator
forget_dps() {
        local o
        for o in $(kube_admin get dp -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\n"}{end}' 2>/dev/null); do
                kube_admin patch dp -n "${o%/*}" "${o#*/}" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
                kube_admin delete dp -n "${o%/*}" "${o#*/}" --wait=false >/dev/null 2>&1 || true
        done
}
cleanup() {
        stop_operators
        forget_dps
        e2e_forget_domain $BDL $TRN
        [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
cleanup >/dev/null 2>&1 || true
work=$(mktemp -d)
cp -r "$root/examples/." "$work/"

# start_operator NAME PORT [flags]: run `specmesh operator` as the ServiceAccount
start_operator() {
        local name=$1 port=$2
        shift 2
        "$SM" operator --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" --leader-elect \
                --identity "$name" --metrics-addr "127.0.0.1:$port" --lease-duration 6 \
                --renew-deadline 4 --retry-period 1 --resync 8 "$@" >"$work/$name.log" 2>&1 &
        pids+=($!)
        last_pid=$!
}
http() { curl -s "http://127.0.0.1:$1$2" || true; }
metric() { http "$1" /metrics | awk -v m="$2" '$1 == m {print $2}'; }
holder() { kube_admin get lease -n specmesh-system specmesh-operator -o jsonpath='{.spec.holderIdentity}' 2>/dev/null || true; }
holder_is() { [ "$(holder)" = "$1" ]; }
# eventually SECONDS EXPECTED WHAT COMMAND...: COMMAND's output becomes EXPECTED (Kafka applies
# config and quota changes through its metadata log, so a read right after a write may be stale)
eventually() {
        local s=$1 want=$2 what=$3 got i
        shift 3
        for i in $(seq 1 $((s * 4))); do
                got=$("$@" 2>/dev/null || true)
                [ "$got" = "$want" ] && break
                sleep 0.25
        done
        t_assert_eq "$got" "$want" "$what"
}
cond() { # DP TYPE FIELD
        kube_admin get dp -n "$ns" "$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].$3}"
}
reason_is() { [ "$(cond "$1" Ready reason)" = "$2" ]; }
observed() { kube_admin get dp -n "$ns" "$1" -o jsonpath='{.status.observedGeneration}'; }
generation() { kube_admin get dp -n "$ns" "$1" -o jsonpath='{.metadata.generation}'; }
caught_up() { [ "$(observed "$1")" = "$(generation "$1")" ] && [ "$(cond "$1" Ready status)" = True ]; }
# manifest SPEC NAME [deletionPolicy]: a DataProduct manifest for the per-run namespace
manifest() {
        "$SM" manifest "$1" --name "$2" --namespace "$ns" >"$work/$2.yaml"
        [ -z "${3:-}" ] || printf '  deletionPolicy: %s\n' "$3" >>"$work/$2.yaml"
        echo "$work/$2.yaml"
}

step "the CRD and exactly deploy/'s RBAC; a namespace for this run"
kube_admin apply -f "$root/crds/dataproducts.specmesh.io.yaml" >/dev/null
kube_admin wait --for=condition=Established crd/dataproducts.specmesh.io --timeout=30s >/dev/null
kube_admin apply -f "$root/deploy/00-namespace.yaml" -f "$root/deploy/10-serviceaccount.yaml" \
        -f "$root/deploy/20-rbac.yaml" >/dev/null
kube_admin delete lease -n specmesh-system specmesh-operator --ignore-not-found >/dev/null
kube_admin create namespace "$ns" >/dev/null

step "two operator instances: one leader, one standby"
start_operator op-a 18091
A=$last_pid
wait_for 20 "op-a to lead" holder_is op-a
start_operator op-b 18092
B=$last_pid
wait_for 20 "op-b to stand by" grep -q "waiting, lease specmesh-system/specmesh-operator held by op-a" "$work/op-b.log"
t_assert_eq "$(holder)" op-a "lease holder"
t_assert_eq "$(http 18091 /readyz)" ok "leader /readyz"
t_assert_eq "$(http 18092 /readyz)" "ok (standby)" "standby /readyz"
t_assert_eq "$(metric 18091 specmesh_leader)" 1 "leader gauge on op-a"
t_assert_eq "$(metric 18092 specmesh_leader)" 0 "leader gauge on op-b"
t_assert_eq "$(http 18091 /healthz)" ok "/healthz"

step "apply Big Data London with kubectl -> Ready"
bdl=$(manifest "$work/bigdatalondon/asyncapi.yaml" bigdatalondon)
cat >>"$bdl" <<'Y'
  quotas: {producerByteRate: 1048576, consumerByteRate: 2097152}
Y
kube_admin apply -f "$bdl" >/dev/null
kube_admin wait --for=condition=Ready dp/bigdatalondon -n "$ns" --timeout=60s >/dev/null
t_assert_eq "$(kafka_partitions "$PURCHASE")" 6 "partitions of $PURCHASE"
t_assert_eq "$(kafka_partitions "$ATTENDEE")" 3 "partitions of $ATTENDEE"
t_assert_eq "$(kafka_acls_of "$BDL" | wc -l)" 14 "ACL bindings of $BDL"
t_assert_eq "$(registry_latest_version "$ATTENDEE-value")" 1 "subject $ATTENDEE-value"
t_assert_eq "$(registry_compatibility "$ATTENDEE-value")" FULL_TRANSITIVE "compatibility"
t_assert_eq "$(kafka_user_quota "$BDL" producer_byte_rate)" 1048576 "producer quota"
t_assert_eq "$(observed bigdatalondon)" 1 "observedGeneration"
t_assert_eq "$(kube_admin get dp -n "$ns" bigdatalondon -o jsonpath="{.status.subjects[?(@.name==\"$ATTENDEE-value\")].version}")" 1 "status: subject version"
t_assert_match "$(kube_admin get dp -n "$ns" bigdatalondon -o jsonpath="{.status.subjects[?(@.name==\"$ATTENDEE-value\")].id}")" '^[1-9][0-9]*$' "status: subject id"
t_assert_eq "$(kube_admin get dp -n "$ns" bigdatalondon -o jsonpath="{.status.topics[?(@.name==\"$PURCHASE\")].partitions}")" 6 "status: partitions"
t_assert_eq "$(kube_admin get dp -n "$ns" bigdatalondon -o jsonpath='{.status.domain}')" "$BDL" "status.domain"
t_assert_eq "$(kube_admin get dp -n "$ns" bigdatalondon -o jsonpath='{.metadata.finalizers[0]}')" specmesh.io/finalizer "finalizer"
t_assert_match "$(kube_admin get dp -n "$ns")" "bigdatalondon +$BDL +True +3" "kubectl get dp"
t_assert_match "$(kube_admin get events -n "$ns" --field-selector involvedObject.name=bigdatalondon)" \
        "Applied +dataproduct/bigdatalondon +applied [0-9]+ of [0-9]+ changes" "an Applied event"
grep -q 'level="info" msg="applied' "$work/op-a.log" || t_fail "no structured log line of the apply"
t_assert_eq "$(grep -c 'msg="applied' "$work/op-b.log" || true)" 0 "the standby wrote nothing"

step "edit the spec: more partitions, a config, the grant revoked -> observedGeneration follows"
sed -i -e '0,/partitions: 3/s//partitions: 5/' -e "s/retention.ms: '604800000'/retention.ms: '86400000'/" \
        -e '/grant-access:london.hammersmith.transport/d' "$work/bigdatalondon/asyncapi.yaml"
bdl=$(manifest "$work/bigdatalondon/asyncapi.yaml" bigdatalondon)
kube_admin apply -f "$bdl" >/dev/null
wait_for 30 "generation 2 reconciled" caught_up bigdatalondon
t_assert_eq "$(observed bigdatalondon)" 2 "observedGeneration after the edit"
t_assert_eq "$(kafka_partitions "$ATTENDEE")" 5 "partitions grown"
eventually 10 86400000 "retention.ms changed" kafka_topic_config "$ATTENDEE" retention.ms
t_assert_eq "$(kafka_acls_of "$BDL" | wc -l)" 12 "the revoked grant: its DESCRIBE and READ bindings are gone"
eventually 10 "" "quota removed with spec.quotas" kafka_user_quota "$BDL" producer_byte_rate

step "drift made in Kafka is reverted by the periodic resync"
applied_before=$(grep -c 'msg="applied' "$work/op-a.log")
kafka_alter_topic_config "$ATTENDEE" retention.ms=1000 >/dev/null
reverted() {
        [ "$(grep -c 'msg="applied' "$work/op-a.log")" -gt "$applied_before" ] &&
                [ "$(kafka_topic_config "$ATTENDEE" retention.ms)" = 86400000 ]
}
wait_for 40 "the operator to revert the drift" reverted
t_assert_match "$(grep 'msg="applied' "$work/op-a.log" | tail -1)" 'applied 1 of 1 changes' "one change: the config"

step "a partition shrink: Ready=False reason=PartitionDecrease naming the topic; the rest lands"
cp "$work/bigdatalondon/asyncapi.yaml" "$work/bdl-good.yaml"
sed -i -e 's/partitions: 6/partitions: 3/' -e "s/retention.ms: '86400000'/retention.ms: '43200000'/" \
        "$work/bigdatalondon/asyncapi.yaml"
kube_admin apply -f "$(manifest "$work/bigdatalondon/asyncapi.yaml" bigdatalondon)" >/dev/null
wait_for 30 "PartitionDecrease" reason_is bigdatalondon PartitionDecrease
t_assert_eq "$(cond bigdatalondon Ready status)" False "shrink: Ready"
t_assert_match "$(cond bigdatalondon Ready message)" "$PURCHASE.*partitions cannot shrink \(6 -> 3\)" \
        "the message names the topic"
t_assert_eq "$(observed bigdatalondon)" "$(generation bigdatalondon)" "observedGeneration follows"
t_assert_eq "$(kafka_partitions "$PURCHASE")" 6 "the topic was not shrunk or recreated"
eventually 10 43200000 "the other change landed" kafka_topic_config "$ATTENDEE" retention.ms
cp "$work/bdl-good.yaml" "$work/bigdatalondon/asyncapi.yaml"
bdl=$(manifest "$work/bigdatalondon/asyncapi.yaml" bigdatalondon)
kube_admin apply -f "$bdl" >/dev/null
wait_for 30 "Ready again" caught_up bigdatalondon

step "a broken spec: Ready=False with the diagnostic, nothing touched"
sed -e 's/urn:london:hammersmith:transport/urn:london:hammersmith:broken/' \
        -e '0,/partitions: 2/s//partitions: many/' "$work/transport/asyncapi.yaml" >"$work/broken.yaml"
cat >"$work/broken-dp.yaml" <<Y
apiVersion: specmesh.io/v1alpha1
kind: DataProduct
metadata: {name: broken, namespace: $ns}
spec:
  asyncapi:
$(sed 's/^/    /' "$work/broken.yaml")
Y
kube_admin apply -f "$work/broken-dp.yaml" >/dev/null
wait_for 30 "InvalidSpec" reason_is broken InvalidSpec
t_assert_eq "$(cond broken Ready status)" False "broken: Ready"
t_assert_match "$(cond broken Ready message)" "partitions.*at channels.*bindings.kafka.partitions" \
        "the message names the field"
t_assert_eq "$(cond broken Stalled status)" True "broken: Stalled"
t_assert_eq "$(kafka_topics --list | grep -c london.hammersmith.broken || true)" 0 "no topic for the broken spec"

step "a second DataProduct claiming the same domain: DomainConflict, changes nothing"
sed -e 's/name: bigdatalondon/name: bdl-copy/' -e '0,/partitions: 5/s//partitions: 9/' "$bdl" >"$work/copy.yaml"
kube_admin apply -f "$work/copy.yaml" >/dev/null
wait_for 30 "DomainConflict" reason_is bdl-copy DomainConflict
t_assert_match "$(cond bdl-copy Ready message)" "owned by DataProduct $ns/bigdatalondon" "conflict message"
t_assert_eq "$(kafka_partitions "$ATTENDEE")" 5 "the newer claim changed nothing"
kube_admin delete -f "$work/copy.yaml" --wait=true --timeout=30s >/dev/null
t_assert_eq "$(kafka_acls_of "$BDL" | wc -l)" 12 "deleting the loser left the owner's ACLs"

step "suspend: observe only"
kube_admin patch dp -n "$ns" bigdatalondon --type=merge -p '{"spec":{"suspend":true}}' >/dev/null
wait_for 30 "Suspended" reason_is bigdatalondon Suspended
kafka_alter_topic_config "$ATTENDEE" retention.ms=2000 >/dev/null
sleep 12 # longer than a resync
t_assert_eq "$(kafka_topic_config "$ATTENDEE" retention.ms)" 2000 "suspended: drift left alone"
kube_admin patch dp -n "$ns" bigdatalondon --type=merge -p '{"spec":{"suspend":false}}' >/dev/null
wait_for 30 "resumed" caught_up bigdatalondon
eventually 10 86400000 "resumed: drift reverted" kafka_topic_config "$ATTENDEE" retention.ms

step "kill -9 the leader mid-reconcile: the standby takes over and converges"
trn=$(manifest "$work/transport/asyncapi.yaml" transport Delete)
kube_admin apply -f "$trn" >/dev/null
sleep 0.3
kill -9 "$A"
wait_for 30 "op-b to lead" holder_is op-b
kube_admin wait --for=condition=Ready dp/transport -n "$ns" --timeout=60s >/dev/null
t_assert_eq "$(kafka_acls_of "$TRN" | wc -l)" "$("$SM" plan --offline "$work/transport/asyncapi.yaml" -o json |
        python3 -c 'import json,sys; print(sum(1 for o in json.load(sys.stdin)["changes"] if o["resource"]=="acl"))')" \
        "transport: exactly the declared ACLs, none twice"
t_assert_eq "$(kafka_partitions "$TRN._public.tube")" 2 "transport topic"
t_assert_eq "$(metric 18092 specmesh_leader)" 1 "op-b leads"

step "delete with deletionPolicy Retain: ACLs and quota go, topics and subjects stay"
kube_admin delete dp -n "$ns" bigdatalondon --timeout=60s >/dev/null
t_assert_eq "$(kube_admin get dp -n "$ns" bigdatalondon --ignore-not-found -o name)" "" "object gone"
t_assert_eq "$(kafka_acls_of "$BDL" | wc -l)" 0 "no ACLs left in $BDL"
t_assert_eq "$(kafka_partitions "$PURCHASE")" 6 "topic kept"
t_assert_eq "$(registry_latest_version "$ATTENDEE-value")" 1 "subject kept"
t_assert_match "$(kube_admin get events -n "$ns" --field-selector involvedObject.name=bigdatalondon)" \
        "Deleted .*Retain" "a Deleted event"

step "delete with deletionPolicy Delete: topics and subjects go too"
topic=$(kube_admin get dp -n "$ns" transport -o jsonpath='{.status.topics[0].name}')
kube_admin delete dp -n "$ns" transport --timeout=60s >/dev/null
t_assert_eq "$(kafka_topics --list | grep -cx "$topic" || true)" 0 "topic $topic deleted"
t_assert_eq "$(kafka_acls_of "$TRN" | wc -l)" 0 "no ACLs left in $TRN"

step "SIGTERM: the leader stops cleanly and releases the lease"
kill -TERM "$B"
rc=0
wait "$B" || rc=$?
t_assert_eq "$rc" 0 "exit status after SIGTERM"
t_assert_eq "$(holder)" "" "lease released"
pids=()
t_done
