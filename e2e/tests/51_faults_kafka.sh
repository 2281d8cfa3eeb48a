#!/usr/bin/env bash
# Faults that need a broker of our own (issue #15): a private Kafka (e2e/stack/kafka-private, its
# data kept across kill -9) behind a relay (e2e/relay.py), the shared registry behind another
# relay, the shared API server (a namespace of this run). Each case ends with the invariant
# (e2e/invariant.py: Kafka's topics, configs, ACLs and quotas and the registry's subjects under
# this run's prefix equal exactly the union of the Ready products' plans; every status true).
#   (a) the broker killed (-9) in the middle of a bulk apply of 10 DataProducts, restarted 20 s
#       later -> every product converges with no manual touch, no ACL twice;
#   (b) the same kill while a DataProduct (deletionPolicy Delete) is being deleted -> its
#       finalizer completes after the restart;
#   (c) the broker down, a product deleted -> the status says why, the deletion waits, nothing
#       is half-removed (its subjects stay while its topics cannot go); broker back -> done;
#   (d) the registry flapping (its relay refusing/passing) during an apply -> topics and ACLs
#       done, subjects follow, the status accurate in between;
#   (e) a slow, then frozen broker (its relay delaying, then holding every byte) -> timeouts
#       with a clear status, the workers keep serving (a broken spec still gets InvalidSpec
#       within 60 s, /metrics answers and says specmesh_backend_up{backend="kafka"} 0),
#       then unfrozen -> converges, nothing created twice.
# Prints a table: case, what was provoked, time to converge, invariant held.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
root=$(cd "$here/../.." && pwd)
ns=fk-$$-$RANDOM # namespaces never finish deleting without a controller-manager: one per run
P=fk.r$RANDOM    # this run's domain prefix: every product is $P.<name>
BROKER=19460     # private broker: 19460 (19461 controller, 19462 relayed listener)
KRELAY=19463     # relay -> 19462; the broker advertises this port on its relayed listener
RRELAY=19464     # relay -> the shared registry
MPORT=19465      # the operator's /metrics
work=$(mktemp -d)
kdir=$work/kafka
op_pid=
relay_pids=()
rows=()
t_start=$(date +%s)

stop_operator() {
        [ -n "$op_pid" ] || return 0
        kill -TERM "$op_pid" 2>/dev/null || true
        wait "$op_pid" 2>/dev/null || true
        op_pid=
}
cleanup() {
        local rc=$? o s p
        stop_operator
        for p in "${relay_pids[@]}"; do kill "$p" 2>/dev/null || true; done
        if [ "$rc" != 0 ]; then
                echo "--- operator log (tail)"
                tail -40 "$work/operator.log" 2>/dev/null || true
                echo "--- relay logs (tail)"
                tail -10 "$work"/relay-*.log 2>/dev/null || true
                echo "--- private broker log (tail)"
                tail -15 "$kdir/kafka.log" 2>/dev/null || true
        fi
        "$root/e2e/stack/kafka-private" stop "$kdir" >/dev/null 2>&1 || true
        for o in $(kube_admin get dp -n "$ns" -o name 2>/dev/null); do
                kube_admin patch -n "$ns" "$o" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
                kube_admin delete -n "$ns" "$o" --wait=false >/dev/null 2>&1 || true
        done
        for s in $(list_subjects "$P."); do
                curl -sf -X DELETE "$SPECMESH_REGISTRY_URL/subjects/$s" >/dev/null || true
                curl -sf -X DELETE "$SPECMESH_REGISTRY_URL/subjects/$s?permanent=true" >/dev/null || true
        done
        [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# product NAME [PARTITIONS] [GRANT-TO]: a DataProduct $P.NAME of three topics (one with a
# config), three subjects, 12-14 ACL bindings and a quota, deletionPolicy Delete
product() {
        local name=$1 parts=${2:-2} grant=${3:-} f=$work/$1.yaml
        {
                cat <<Y
apiVersion: specmesh.io/v1alpha1
kind: DataProduct
metadata: {name: $name, namespace: $ns}
spec:
  deletionPolicy: Delete
  quotas: {producerByteRate: 1048576, consumerByteRate: 2097152}
  asyncapi:
    asyncapi: '2.5.0'
    id: 'urn:${P//./:}:$name'
    info: {title: $name, version: '1.0.0'}
    channels:
      _public/events:
        bindings: {kafka: {partitions: $parts, replicas: 1, configs: {retention.ms: '86400000'}}}
        publish:
          message:
            payload: {type: object, properties: {id: {type: string}}}
      _protected/audit:
        bindings: {kafka: {partitions: 1, replicas: 1}}
        publish:
Y
                [ -z "$grant" ] || printf "          tags: [{name: 'grant-access:%s'}]\n" "$grant"
                cat <<Y
          message:
            payload: {type: object, properties: {who: {type: string}}}
      _private/state:
        bindings: {kafka: {partitions: 1, replicas: 1}}
        publish:
          message:
            payload: {type: string}
Y
        } >"$f"
        echo "$f"
}
# states: one line per DataProduct: NAME READY REASON GENERATION OBSERVED DELETING
states() {
        kube_admin get dp -n "$ns" -o json 2>/dev/null | python3 -c '
import json, sys
for d in json.load(sys.stdin)["items"]:
    m, s = d["metadata"], d.get("status") or {}
    r = next((c for c in s.get("conditions") or [] if c["type"] == "Ready"), {})
    print(m["name"], r.get("status", "-"), r.get("reason", "-"), m.get("generation"),
          s.get("observedGeneration", "-"), "deleting" if m.get("deletionTimestamp") else "-")'
}
# all_ready N: exactly N DataProducts, every one Ready for its generation, none being deleted
all_ready() {
        local s
        s=$(states)
        [ "$(wc -l <<<"$s")" = "$1" ] && ! awk '$2 != "True" || $4 != $5 || $6 != "-" {bad = 1} END {exit !bad}' <<<"$s"
}
ready_count() { states | awk '$2 == "True" && $4 == $5' | wc -l; }
cond() { kube_admin get dp -n "$ns" "$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].$3}" 2>/dev/null; }
exists() { [ -n "$(kube_admin get dp -n "$ns" "$1" --ignore-not-found -o name 2>/dev/null)" ]; }
gone() { ! exists "$1"; }
invariant() { # CASE: run the invariant on the private broker; record its outcome
        if python3 "$root/e2e/invariant.py" --namespace "$ns" --prefix "$P." --bootstrap "127.0.0.1:$BROKER" \
                --kafka-config "$kdir/admin.properties" --all-ready "${@:2}" --wait 20; then
                inv=yes
        else
                inv=no
        fi
}
row() { # CASE WHAT SECONDS HELD: a line of the table, printed now too (a later case may fail)
        rows+=("$(printf '%-3s | %-62s | %6ss | %s' "$1" "$2" "$3" "$4")")
        printf '   TABLE %s\n' "${rows[-1]}"
}
metric() { curl -sf -m 5 "http://127.0.0.1:$MPORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
relay() { # NAME LISTEN TARGET: a relay controlled by $work/NAME.ctl
        : >"$work/$1.ctl"
        python3 "$root/e2e/relay.py" "$2" "$3" "$work/$1.ctl" --log "$work/relay-$1.log" &
        relay_pids+=($!)
}
set_relay() { echo "$2" >"$work/$1.ctl"; sleep 0.3; } # NAME MODE: the relay reads it within 0.1 s
# list_subjects PREFIX: the registry's subjects under PREFIX (paged: Apicurio lists 1,000 at most)
list_subjects() {
        python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); from invariant import list_subjects; print("\n".join(list_subjects(sys.argv[2], sys.argv[3])))' \
                "$root/e2e" "$SPECMESH_REGISTRY_URL" "$1"
}
subjects_of() { list_subjects "$1." | grep -c . || true; }
elapsed() { echo $(($(date +%s) - $1)); }

step "a private broker on 127.0.0.1:$BROKER, relays for it and for the registry"
for p in $BROKER $((BROKER + 1)) $((BROKER + 2)) $KRELAY $RRELAY $MPORT; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then t_fail "port $p is in use"; fi
done
"$root/e2e/stack/kafka-private" start "$kdir" "$BROKER"
relay kafka $KRELAY $((BROKER + 2))
relay registry $RRELAY 18081
sed "s/^bootstrap.servers=.*/bootstrap.servers=127.0.0.1:$KRELAY/" "$kdir/admin.properties" >"$work/operator-kafka.properties"
kube_admin apply -f "$root/crds/dataproducts.specmesh.io.yaml" >/dev/null
kube_admin wait --for=condition=Established crd/dataproducts.specmesh.io --timeout=30s >/dev/null
kube_admin apply -f "$root/deploy/00-namespace.yaml" -f "$root/deploy/10-serviceaccount.yaml" \
        -f "$root/deploy/20-rbac.yaml" >/dev/null
kube_admin create namespace "$ns" >/dev/null
# the operator reaches Kafka and the registry only through the relays
"$SM" operator --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" --namespace "$ns" \
        --metrics-addr "127.0.0.1:$MPORT" --resync 3 --stall-after 15 \
        --kafka-config "$work/operator-kafka.properties" \
        --registry-url "http://127.0.0.1:$RRELAY/apis/ccompat/v7" >>"$work/operator.log" 2>&1 &
op_pid=$!

step "(b) setup: a product to be deleted later, Ready"
kube_admin apply -f "$(product leaver 1)" >/dev/null
wait_for 60 "leaver Ready" all_ready 1

step "(a)+(b) kill -9 the broker during a bulk apply of 10 products and a deletion"
files=()
for i in $(seq -w 1 10); do files+=(-f "$(product "a$i" 2 "$P.a$(printf %02d $((10#$i % 10 + 1)))")"); done
kube_admin apply "${files[@]}" >/dev/null
kube_admin delete dp -n "$ns" leaver --wait=false >/dev/null
some_ready() { [ "$(ready_count)" -ge 1 ]; }
wait_for 30 "the bulk apply to start" some_ready
"$root/e2e/stack/kafka-private" kill9 "$kdir"
at_kill=$(ready_count)
printf '   killed with %s of 11 products Ready, leaver %s\n' "$at_kill" "$(exists leaver && echo 'still there' || echo gone)"
t_assert_eq "$([ "$at_kill" -lt 11 ] && echo mid-apply)" mid-apply "the broker died in the middle of the apply"
sleep 20
"$root/e2e/stack/kafka-private" restart "$kdir"
t0=$(date +%s)
wait_for 120 "10 products Ready and leaver gone" all_ready 10
conv=$(elapsed "$t0")
t_assert_eq "$(exists leaver && echo present || echo gone)" gone "(b) leaver's finalizer completed after the restart"
invariant a
t_assert_eq "$inv" yes "(a)+(b) the invariant after the restart"
row a "broker kill -9 mid bulk apply of 10 products ($at_kill Ready), up 20 s later" "$conv" "$inv"
row b "broker kill -9 while a product (Delete) is being deleted" "$conv" "$inv"

step "(c) the broker down and a product deleted: the status says why, the deletion waits"
"$root/e2e/stack/kafka-private" kill9 "$kdir"
tc=$(date +%s)
e0=$(metric 'specmesh_backend_errors_total{backend="kafka",reason="unavailable"}')
kube_admin delete dp -n "$ns" a10 --wait=false >/dev/null
# the deletion's own status (a reconcile of a10 already in flight when the broker died ends
# first, after its timeout, with reason Retrying and the same address in its message)
says_why() {
        [ "$(cond a10 Reconciling reason)" = Deleting ] &&
                cond a10 Reconciling message | grep -q "kafka 127.0.0.1:$KRELAY"
}
wait_for 90 "a10's status to say why" says_why
why=$(elapsed "$tc")
printf '   the status said why after %ss: Ready=%s/%s, Reconciling=%s/%s: %s\n' "$why" \
        "$(cond a10 Ready status)" "$(cond a10 Ready reason)" "$(cond a10 Reconciling status)" \
        "$(cond a10 Reconciling reason)" "$(cond a10 Reconciling message | cut -c1-120)"
t_assert_eq "$(cond a10 Ready status)" False "(c) Ready=False while its deletion waits"
t_assert_eq "$(cond a10 Reconciling reason)" Deleting "(c) Reconciling's reason"
t_assert_match "$(cond a10 Ready message)" "kafka 127.0.0.1:$KRELAY" "(c) Ready's message says why too"
t_assert_match "$(kube_admin get events -n "$ns" --field-selector involvedObject.name=a10,type=Warning,reason=CleanupFailed -o jsonpath='{.items[*].message}')" \
        "kafka 127.0.0.1:$KRELAY" "(c) a Warning Event CleanupFailed names the broker"
sleep 5
t_assert_eq "$(exists a10 && echo waiting)" waiting "(c) the deletion waits for the broker"
t_assert_eq "$(subjects_of "$P.a10")" 3 "(c) nothing half-removed: a10's subjects stay while its topics cannot go"
e1=$(metric 'specmesh_backend_errors_total{backend="kafka",reason="unavailable"}')
t_assert_eq "$([ "${e1%.*}" -ge $((${e0%.*} + 2)) ] && echo rising)" rising "(c) Kafka errors counted while it is down ($e0 -> $e1)"
any_unavailable() { states | grep -q ' False KafkaUnavailable '; }
wait_for 60 "a product Ready=False reason KafkaUnavailable" any_unavailable
"$root/e2e/stack/kafka-private" restart "$kdir"
t0=$(date +%s)
wait_for 90 "a10 deleted" gone a10
wait_for 60 "the other 9 Ready" all_ready 9
conv=$(elapsed "$t0")
invariant c
t_assert_eq "$inv" yes "(c) the invariant after the restart"
row c "broker down, a product deleted: status said why after ${why}s" "$conv" "$inv"

step "(d) the registry flapping during an apply"
set_relay registry refuse
kube_admin apply -f "$(product d1 2)" -f "$(product d2 3 "$P.d1")" >/dev/null
td=$(date +%s)
reg_down() { [ "$(cond d1 Ready reason)" = RegistryUnavailable ] && [ "$(cond d2 Ready reason)" = RegistryUnavailable ]; }
wait_for 60 "RegistryUnavailable" reg_down
t_assert_match "$(cond d1 Ready message)" "127.0.0.1:$RRELAY" "(d) the message names the registry"
t_assert_eq "$(kcat -F "$kdir/admin.properties" -L -J 2>/dev/null | python3 -c 'import json,sys; print(sum(1 for t in json.load(sys.stdin)["topics"] if t["topic"].startswith((sys.argv[1] + ".d1.", sys.argv[1] + ".d2."))))' "$P")" 6 \
        "(d) the topics are there while the registry is down"
t_assert_eq "$(subjects_of "$P.d1")" 0 "(d) no subject yet"
flips=0
for mode in pass refuse pass refuse pass refuse; do
        set_relay registry "$mode"
        flips=$((flips + 1))
        sleep 2
        # in between, no status lies: Ready=True only with all three subjects there
        for d in d1 d2; do
                if [ "$(cond $d Ready status)" = True ]; then
                        t_assert_eq "$(subjects_of "$P.$d")" 3 "(d) $d Ready only with its subjects (flip $flips)"
                fi
        done
done
set_relay registry pass
t0=$(date +%s)
wait_for 60 "d1, d2 Ready" all_ready 11
conv=$(elapsed "$t0")
invariant d
t_assert_eq "$inv" yes "(d) the invariant after the flapping"
row d "registry refused/passed 7 times during an apply ($(elapsed "$td") s)" "$conv" "$inv"

step "(e) a slow broker (each chunk held 300 ms), then a frozen one"
set_relay kafka "delay 300"
t0=$(date +%s)
kube_admin apply -f "$(product e1 2)" >/dev/null
wait_for 120 "e1 Ready through the slow broker" all_ready 12
slow=$(elapsed "$t0")
printf '   e1 Ready in %ss through a 300 ms relay\n' "$slow"
set_relay kafka freeze
tf=$(date +%s)
n0=$(metric specmesh_reconcile_total)
kube_admin apply -f "$(product e1 4)" >/dev/null # an edit: more partitions
sed -e "s/partitions: 2,/partitions: many,/" "$(product broken 2)" >"$work/broken-spec.yaml"
kube_admin apply -f "$work/broken-spec.yaml" >/dev/null
tb=$(date +%s)
invalid() { [ "$(cond broken Ready reason)" = InvalidSpec ]; }
# the spec needs no Kafka: a worker must still get to it while failing retries pile up
wait_for 90 "InvalidSpec for the broken spec while Kafka is frozen (are new DataProducts starved by failing retries?)" invalid
invalid_after=$(elapsed "$tb")
printf '   InvalidSpec after %ss with Kafka frozen\n' "$invalid_after"
# one reading may hold a worker for a whole timeout (30 s); after it, Kafka is taken for down
# and the others fail at once (one probe at a time), so the queue keeps moving
t_assert_eq "$([ "$invalid_after" -le 60 ] && echo yes)" yes "(e) InvalidSpec within 60 s (wall) while Kafka is frozen (took ${invalid_after}s)"
kafka_down() { [ "$(metric 'specmesh_backend_up{backend="kafka"}')" = 0 ]; }
wait_for 60 "specmesh_backend_up{backend=kafka} 0 while Kafka is frozen" kafka_down
t_assert_match "$(cond broken Ready message)" "partitions.*many" "(e) the diagnostic names the field"
t_assert_match "$(curl -sf -m 5 -o /dev/null -w '%{http_code} %{time_total}' "http://127.0.0.1:$MPORT/metrics")" '^200 ' \
        "(e) /metrics answers while Kafka is frozen"
e1_why() { [ "$(cond e1 Ready status)" = False ] && cond e1 Ready message | grep -q "kafka 127.0.0.1:$KRELAY"; }
wait_for 90 "e1's status to say Kafka does not answer" e1_why
printf '   e1 after %ss frozen: Ready=False %s: %s\n' "$(elapsed "$tf")" "$(cond e1 Ready reason)" "$(cond e1 Ready message | cut -c1-120)"
t_assert_eq "$(cond e1 Ready reason)" KafkaUnavailable "(e) e1's reason"
sleep 10
n1=$(metric specmesh_reconcile_total)
printf '   reconciles finished during %ss of freeze: %s\n' "$(elapsed "$tf")" "$((${n1%.*} - ${n0%.*}))"
t_assert_eq "$([ $((${n1%.*} - ${n0%.*})) -ge 2 ] && echo yes)" yes "(e) reconciles keep finishing (no worker stuck) while Kafka is frozen"
set_relay kafka pass
t0=$(date +%s)
# every product but broken Ready for its generation, broken still InvalidSpec
caught_up_all() {
        local s
        s=$(states)
        [ "$(wc -l <<<"$s")" = 13 ] && [ "$(awk '$1 != "broken" && $2 == "True" && $4 == $5 && $6 == "-"' <<<"$s" | wc -l)" = 12 ] &&
                grep -q '^broken False InvalidSpec ' <<<"$s"
}
wait_for 120 "every product but broken Ready after the unfreeze" caught_up_all
conv=$(elapsed "$t0")
t_assert_eq "$(metric 'specmesh_backend_up{backend="kafka"}')" 1 "(e) specmesh_backend_up{backend=kafka} back to 1"
t_assert_eq "$(grep -c "already exists\|ALREADY_EXISTS" "$work/operator.log" || true)" 0 "(e) nothing created twice (no 'already exists' in the operator's log)"
invariant e --not-ready broken
t_assert_eq "$inv" yes "(e) the invariant after the unfreeze"
row e "broker slowed (300 ms/chunk: e1 Ready in ${slow}s), then frozen $(($(date +%s) - tf - conv))s; InvalidSpec after ${invalid_after}s" "$conv" "$inv"

printf '\n%-3s | %-62s | %7s | %s\n' case "what was provoked" converge "invariant held"
for r in "${rows[@]}"; do echo "$r"; done
printf '\n51_faults_kafka took %ss\n' $(($(date +%s) - t_start))
t_done
