#!/usr/bin/env bash
# Faults on the real stack (issue #15), each ending with the invariant: the product's topics,
# ACL bindings, quota and subjects, read back with Kafka's own tools, kcat and the registry's
# REST API, are exactly what its plan (`specmesh plan --offline -o json`) declares.
#   (b) the registry unreachable (the operator's --registry-url is a closed loopback port):
#       topics, ACLs and quota are done anyway; the status says why (Ready=False, reason
#       RegistryUnavailable, then Stalled past --stall-after); one Warning Event for the
#       transition however many retries follow; /metrics shows it (dataproduct_ready 0,
#       backend_errors_total{backend="registry",reason="unavailable"} rising) and every shipped
#       alert rule (deploy/monitoring/specmesh-alerts.yaml) would fire on two scrapes of it.
#       Then the registry is back: subjects follow, Ready, and the not-ready alert goes quiet.
#   (a) changes behind the operator's back, one at a time: a topic deleted, an owner ACL
#       removed, an extra ACL added on the product's prefix, a subject deleted, the quota
#       changed -> each reverted at the next resync, each with an Event.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
root=$(cd "$here/../.." && pwd)
ns=faults-$$-$RANDOM # namespaces never finish deleting without a controller-manager: one per run
D=london.hammersmith.faults
ARR=$D._public.arrivals
INC=$D._protected.incidents
PORT=19446   # the operator's /metrics
CLOSED=19447 # nothing listens here: the unreachable registry
rules=$root/deploy/monitoring/specmesh-alerts.yaml
work=$(mktemp -d)
op_pid=
t_start=$(date +%s)

stop_operator() {
        [ -n "$op_pid" ] || return 0
        kill -TERM "$op_pid" 2>/dev/null || true
        wait "$op_pid" 2>/dev/null || true
        op_pid=
}
cleanup() {
        local rc=$? o
        stop_operator
        if [ "$rc" != 0 ] && [ -f "$work/operator.log" ]; then
                echo "--- operator log (tail)"
                tail -40 "$work/operator.log"
        fi
        for o in $(kube_admin get dp -n "$ns" -o name 2>/dev/null); do
                kube_admin patch -n "$ns" "$o" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
                kube_admin delete -n "$ns" "$o" --wait=false >/dev/null 2>&1 || true
        done
        e2e_forget_domain "$D"
        [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
e2e_forget_domain "$D"

# start_operator [flags]: the operator as its ServiceAccount, resyncing every 3 s
start_operator() {
        "$SM" operator --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" --namespace "$ns" \
                --metrics-addr "127.0.0.1:$PORT" --resync 3 "$@" >>"$work/operator.log" 2>&1 &
        op_pid=$!
}
cond() { kube_admin get dp -n "$ns" faults -o jsonpath="{.status.conditions[?(@.type==\"$1\")].$2}" 2>/dev/null; }
is_ready() { [ "$(cond Ready status)" = True ]; }
is_stalled() { [ "$(cond Stalled status)" = True ]; }
# events TYPE REASON: how many Events of TYPE and REASON the DataProduct has
events() {
        kube_admin get events -n "$ns" --field-selector "involvedObject.name=faults,type=$1,reason=$2" \
                -o jsonpath='{range .items[*]}{.count}{"\n"}{end}' 2>/dev/null | awk '{n += $1} END {print n + 0}'
}
scrape() { curl -sf "http://127.0.0.1:$PORT/metrics" >"$1"; }
# sample FILE SERIES: the value of one series (name and labels exactly as exposed)
sample() { awk -v s="$2" 'index($0, s " ") == 1 {print $NF}' "$1"; }

# --- the invariant ------------------------------------------------------------------------
# expected: what the plan declares, one sorted list per kind
expected() { # KIND: topics | acls | quota | subjects
        python3 -c '
import json, sys
kind = sys.argv[1]
out = []
for c in json.load(sys.stdin)["changes"]:
    if c["resource"] == "topic" and kind == "topics":
        out.append("%s %d" % (c["name"], c["partitions"]))
    elif c["resource"] == "acl" and kind == "acls":
        out.append(" ".join(c[k] for k in ("resourceType", "resourceName", "patternType",
                                           "principal", "operation", "permission")))
    elif c["resource"] == "quota" and kind == "quota":
        out += ["%s=%s" % (k, int(v) if float(v).is_integer() else v) for k, v in c["values"].items()]
    elif c["resource"] == "subject" and kind == "subjects":
        out.append(c["name"])
print("\n".join(sorted(out)))' "$1" <"$work/plan.json"
}
actual() { # KIND
        case $1 in
        topics)
                kcat -F "$SPECMESH_KAFKA_CONFIG" -L -J 2>/dev/null | python3 -c '
import json, sys
d = sys.argv[1] + "."
print("\n".join(sorted("%s %d" % (t["topic"], len(t["partitions"]))
                       for t in json.load(sys.stdin)["topics"] if t["topic"].startswith(d))))' "$D" ;;
        acls) kafka_acls_of "$D" | sort ;;
        quota)
                kafka_configs --describe --entity-type users --entity-name "$D" 2>/dev/null |
                        grep -oE '[a-z_]+_(rate|percentage)=[0-9.]+' | sed 's/\.0$//' | sort ;;
        subjects)
                curl -sf "$SPECMESH_REGISTRY_URL/subjects?limit=100000" | python3 -c '
import json, sys
d = sys.argv[1] + "."
print("\n".join(sorted(s for s in json.load(sys.stdin) if s.startswith(d))))' "$D" ;;
        esac
}
# invariant WHAT [no-subjects]: Kafka and the registry hold exactly the product's plan
invariant() {
        local k want
        for k in topics acls quota subjects; do
                want=$(expected $k)
                [ "$k" = subjects ] && [ "${2:-}" = no-subjects ] && want=
                t_assert_eq "$(actual $k)" "$want" "$1: $k equal the plan"
        done
}

step "a product of two topics, two subjects, a grant and a quota; the CRD, deploy/'s RBAC"
mkdir -p "$work/schema"
cat >"$work/schema/$ARR.avsc" <<'J'
{"type": "record", "name": "Arrival", "namespace": "london.hammersmith.faults",
 "fields": [{"name": "line", "type": "string"}, {"name": "at", "type": "long"}]}
J
cat >"$work/asyncapi.yaml" <<Y
asyncapi: '2.5.0'
id: 'urn:london:hammersmith:faults'
info: {title: Faults, version: '1.0.0'}
channels:
  _public/arrivals:
    bindings: {kafka: {partitions: 2, replicas: 1}}
    publish:
      message:
        payload: {\$ref: '/schema/$ARR.avsc'}
  _protected/incidents:
    bindings: {kafka: {partitions: 1, replicas: 1}}
    publish:
      tags: [{name: 'grant-access:london.hammersmith.transport'}]
      message:
        payload: {type: object, properties: {line: {type: string}}}
Y
"$SM" manifest "$work/asyncapi.yaml" --name faults --namespace "$ns" >"$work/faults.yaml"
printf '  quotas: {producerByteRate: 1048576, consumerByteRate: 2097152}\n' >>"$work/faults.yaml"
# the offline plan creates everything the product declares (exit 2: changes pending)
"$SM" plan --offline "$work/faults.yaml" -o json >"$work/plan.json" || [ $? = 2 ] || t_fail "specmesh plan --offline"
t_assert_eq "$(expected subjects | wc -l)" 2 "the plan declares two subjects"
t_assert_eq "$(expected quota | wc -l)" 2 "the plan declares a quota"
kube_admin apply -f "$root/crds/dataproducts.specmesh.io.yaml" >/dev/null
kube_admin wait --for=condition=Established crd/dataproducts.specmesh.io --timeout=30s >/dev/null
kube_admin apply -f "$root/deploy/00-namespace.yaml" -f "$root/deploy/10-serviceaccount.yaml" \
        -f "$root/deploy/20-rbac.yaml" >/dev/null
kube_admin create namespace "$ns" >/dev/null

step "(b) the registry unreachable: Kafka's part is done, the status and an Event say why"
if curl -s -m 2 "http://127.0.0.1:$CLOSED/" >/dev/null 2>&1; then t_fail "port $CLOSED is in use"; fi
start_operator --registry-url "http://127.0.0.1:$CLOSED/apis/ccompat/v7" --stall-after 4
kube_admin apply -f "$work/faults.yaml" >/dev/null
t_b=$(date +%s)
wait_for 30 "Ready=False reason=RegistryUnavailable" bash -c "[ \"\$(kubectl --kubeconfig '$KUBECONFIG' get dp -n '$ns' faults -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].reason}')\" = RegistryUnavailable ]"
t_assert_eq "$(cond Ready status)" False "not Ready while the registry is down"
t_assert_match "$(cond Ready message)" "127.0.0.1:$CLOSED" "the message names the registry it cannot reach"
wait_for 40 "Stalled=True past --stall-after" is_stalled
printf '   stalled after %ss\n' $(($(date +%s) - t_b))
t_assert_eq "$(cond Stalled reason)" RegistryUnavailable "Stalled's reason"
scrape "$work/m0"
sleep 6 # more retries: still one Event for the one transition
scrape "$work/m1"
t_assert_eq "$(events Warning RegistryUnavailable)" 1 "one Warning Event for the transition into Stalled"
t_assert_match "$(kube_admin get events -n "$ns" --field-selector involvedObject.name=faults,reason=RegistryUnavailable -o jsonpath='{.items[0].message}')" \
        "^stalled: .*127.0.0.1:$CLOSED" "the Event's message"
invariant "registry down" no-subjects

step "(b) /metrics shows it, and every shipped alert would fire"
t_assert_eq "$(sample "$work/m1" "specmesh_dataproduct_ready{namespace=\"$ns\",name=\"faults\"}")" 0 "specmesh_dataproduct_ready"
e0=$(sample "$work/m0" 'specmesh_backend_errors_total{backend="registry",reason="unavailable"}')
e1=$(sample "$work/m1" 'specmesh_backend_errors_total{backend="registry",reason="unavailable"}')
t_assert_eq "$([ "${e1%.*}" -gt "${e0%.*}" ] && echo rising)" rising "registry errors ($e0 -> $e1)"
t_assert_eq "$(sample "$work/m1" 'specmesh_backend_errors_total{backend="kafka",reason="unavailable"}')" 0 "no Kafka errors"
t_assert_match "$(sample "$work/m1" 'specmesh_backend_request_duration_seconds_count{backend="kafka"}')" '^[1-9]' "Kafka request latencies observed"
t_assert_match "$(sample "$work/m1" 'specmesh_backend_request_duration_seconds_count{backend="kube"}')" '^[1-9]' "API request latencies observed"
t_assert_match "$(grep -E '^specmesh_build_info\{version="[^"]+"\} 1$' "$work/m1")" . "specmesh_build_info"
for m in process_resident_memory_bytes process_open_fds process_cpu_seconds_total process_start_time_seconds; do
        t_assert_match "$(sample "$work/m1" $m)" '^[0-9]' "$m"
done
python3 "$root/e2e/alerts_eval.py" "$rules" "$work/m0" "$work/m1" 6 \
        --firing SpecmeshDataProductNotReady --firing SpecmeshBackendUnavailable \
        --firing SpecmeshReconcileErrors || t_fail "an alert rule would not fire"
t_assert_eq "$(cmp -s "$rules" "$root/helm/specmesh/files/specmesh-alerts.yaml" && echo same)" same \
        "the chart's PrometheusRule carries the same rules"
stop_operator

step "the registry is back: subjects follow, Ready, the alert goes quiet"
start_operator
wait_for 40 "Ready" is_ready
t_assert_eq "$(cond Stalled status)" "" "Stalled is gone"
invariant "registry back"
t_assert_eq "$("$SM" plan "$work/faults.yaml" >/dev/null 2>&1; echo $?)" 0 "specmesh plan: no changes pending"
scrape "$work/m2"
t_assert_eq "$(sample "$work/m2" "specmesh_dataproduct_ready{namespace=\"$ns\",name=\"faults\"}")" 1 "specmesh_dataproduct_ready"
python3 "$root/e2e/alerts_eval.py" "$rules" "$work/m2" "$work/m2" 1 \
        --quiet "SpecmeshDataProductNotReady:namespace=$ns,name=faults" || t_fail "a Ready product still alerts"

# drift WHAT EVENTS-BEFORE CHECK-COMMAND...: after one out-of-band change, wait for a resync to
# revert it (CHECK succeeds again) with one more Applied Event. (The change itself is not read
# back first: with a 3 s resync the operator may revert it before Kafka's tools start.)
drift() {
        local what=$1 before t0
        shift
        before=$1
        shift
        t0=$(date +%s)
        wait_for 30 "$what reverted" "$@"
        wait_for 10 "an Event for $what" bash -c "[ \$(kubectl --kubeconfig '$KUBECONFIG' get events -n '$ns' --field-selector involvedObject.name=faults,reason=Applied -o jsonpath='{range .items[*]}{.count}{\"\\n\"}{end}' | awk '{n += \$1} END {print n + 0}') -gt $before ]"
        printf '   %s: reverted in %ss\n' "$what" $(($(date +%s) - t0))
}
has_topic() { [ -n "$(kafka_partitions "$ARR")" ]; }
has_subject() { curl -sf "$SPECMESH_REGISTRY_URL/subjects/$ARR-value/versions/latest" >/dev/null; }
acls_as_planned() { [ "$(kafka_acls_of "$D" | sort)" = "$(expected acls)" ]; }
quota_back() { [ "$(kafka_user_quota "$D" producer_byte_rate)" = 1048576 ]; }

step "(a) a topic deleted behind the operator's back"
n=$(events Normal Applied)
kafka_topics --delete --topic "$ARR" >/dev/null
drift "topic deleted" "$n" has_topic

step "(a) an owner ACL removed"
n=$(events Normal Applied)
kafka_acls --remove --force --allow-principal "User:$D" --operation Read --group "$D." \
        --resource-pattern-type prefixed >/dev/null
drift "ACL removed" "$n" acls_as_planned

step "(a) an extra ACL on the product's prefix"
n=$(events Normal Applied)
kafka_acls --add --allow-principal User:intruder --operation Read --topic "$D." \
        --resource-pattern-type prefixed >/dev/null
drift "extra ACL" "$n" acls_as_planned

step "(a) a subject deleted"
n=$(events Normal Applied)
curl -sf -X DELETE "$SPECMESH_REGISTRY_URL/subjects/$ARR-value" >/dev/null
curl -sf -X DELETE "$SPECMESH_REGISTRY_URL/subjects/$ARR-value?permanent=true" >/dev/null
drift "subject deleted" "$n" has_subject

step "(a) the quota changed"
n=$(events Normal Applied)
kafka_configs --alter --entity-type users --entity-name "$D" --add-config producer_byte_rate=999 >/dev/null
drift "quota changed" "$n" quota_back
invariant "after the drift"
t_assert_eq "$("$SM" plan "$work/faults.yaml" >/dev/null 2>&1; echo $?)" 0 "specmesh plan: no changes pending"
t_assert_eq "$(events Warning RegistryUnavailable)" 1 "still the one Stalled Event"
printf '\n50_faults took %ss\n' $(($(date +%s) - t_start))
t_done
