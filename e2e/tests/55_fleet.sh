#!/usr/bin/env bash
# A fleet through the operator (issue #16): 12 DataProducts applied at once to an operator with
# 4 workers, which share one reading of Kafka per window and send the Kafka writes of products
# that meet as one request per kind of change. Checked with the benchmarks' counting client
# (bench_floor count: Kafka's metadata, DescribeAcls, the registry) and kubectl:
#   - one product of the batch is refused by the broker (retention.ms: 'soon'): its status says
#     why, the other eleven are Ready with exactly their topics and ACLs;
#   - a resync of the twelve reads Kafka a bounded number of times, not once per product;
#   - an edit of one product is applied (its generation observed) while the others resync;
#   - fixing the refused product makes it Ready; deleting all twelve removes every ACL.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
root=$(cd "$here/../.." && pwd)
FLOOR=${SPECMESH_BENCH_FLOOR:-$(dirname "$SM")/bench_floor}
ns=fleet-$$-$RANDOM
P=bench.fleet55 # bench_floor cleans and counts only under bench.
N=12
PORT=19448
work=$(mktemp -d)
op_pid=

cleanup() {
        local rc=$? o
        [ -n "$op_pid" ] && kill -TERM "$op_pid" 2>/dev/null && wait "$op_pid" 2>/dev/null
        if [ "$rc" != 0 ] && [ -f "$work/operator.log" ]; then
                echo "--- operator log (tail)"
                tail -30 "$work/operator.log"
        fi
        for o in $(kube_admin get dp -n "$ns" -o name 2>/dev/null); do
                kube_admin patch -n "$ns" "$o" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
                kube_admin delete -n "$ns" "$o" --wait=false >/dev/null 2>&1 || true
        done
        "$FLOOR" clean "$P." >/dev/null 2>&1 || true
        [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
[ -x "$FLOOR" ] || t_fail "no bench_floor at $FLOOR (cmake builds it with SPECMESH_BENCH=ON)"
"$FLOOR" clean "$P." >/dev/null 2>&1

counts() { "$FLOOR" count "$P." 2>/dev/null; }
metric() { curl -sf "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
cond() { # NAME TYPE FIELD
        kube_admin get dp -n "$ns" "$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].$3}" 2>/dev/null
}
ready_count() {
        kube_admin get dp -n "$ns" -o json | python3 -c '
import json, sys
n = 0
for o in json.load(sys.stdin)["items"]:
    st = o.get("status") or {}
    ok = [c for c in st.get("conditions", []) if c["type"] == "Ready" and c["status"] == "True"]
    n += bool(ok) and st.get("observedGeneration") == o["metadata"]["generation"]
print(n)'
}
name() { printf '%s-p%04d' "${P//./-}" "$1"; }
field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(*(d[k] for k in sys.argv[2:]))' "$@"; }
# predicates for wait_for (run each time)
op_ready() { [ "$(curl -s "127.0.0.1:$PORT/readyz")" = ok ]; }
at_least_ready() { [ "$(ready_count)" -ge "$1" ]; }
says_why() { [[ "$(cond "$1" Ready message)" == *"$2"* ]]; }
count_is() { [ "$(field "$(counts)" "$1")" = "$2" ]; }
observed() { [ "$(kube_admin get dp -n "$ns" "$1" -o jsonpath='{.status.observedGeneration}')" = "$2" ]; }
none_left() { [ -z "$(kube_admin get dp -n "$ns" -o name)" ]; }

step "twelve products (5 topics, 12 ACL bindings, 5 subjects each); one with a value the broker refuses"
python3 "$root/e2e/bench/gen.py" products "$N" "$work/in" --prefix "$P" >/dev/null
BAD=$(name 3)
for f in "$work"/in/p*/dataproduct.yaml; do
        sed "s/^  namespace: bench$/  namespace: $ns/" "$f"
        echo ---
done >"$work/all.yaml"
python3 - "$work/all.yaml" "$BAD" <<'PY'
import sys
path, bad = sys.argv[1], sys.argv[2]
docs = open(path).read().split("\n---\n")
out = []
for d in docs:
    if f"name: {bad}\n" in d:  # the first topic's retention: not a number
        d = d.replace("retention.ms: '604800000'", "retention.ms: 'soon'", 1)
    out.append(d)
open(path, "w").write("\n---\n".join(out))
PY
grep -c "retention.ms: 'soon'" "$work/all.yaml" | grep -qx 1 || t_fail "the refused value is not in the manifests"
kube_admin apply -f "$root/crds/dataproducts.specmesh.io.yaml" >/dev/null
kube_admin wait --for=condition=Established crd/dataproducts.specmesh.io --timeout=30s >/dev/null
kube_admin apply -f "$root/deploy/00-namespace.yaml" -f "$root/deploy/10-serviceaccount.yaml" \
        -f "$root/deploy/20-rbac.yaml" >/dev/null
kube_admin create ns "$ns" >/dev/null

step "all at once to an operator with 4 workers"
"$SM" operator --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" --namespace "$ns" --workers 4 \
        --metrics-addr "127.0.0.1:$PORT" --resync 3 >"$work/operator.log" 2>&1 &
op_pid=$!
wait_for 20 "the operator is ready" op_ready
kube_admin apply -f "$work/all.yaml" >/dev/null
wait_for 120 "eleven products Ready" at_least_ready $((N - 1))
t_assert_eq "$(ready_count)" $((N - 1)) "Ready at their generation: all but the refused one"
wait_for 30 "the refused product's status names the config" says_why "$BAD" retention.ms
t_assert_eq "$(cond "$BAD" Ready status)" False "the refused product: Ready"
t_assert_match "$(cond "$BAD" Ready message)" "retention.ms" "its message names the refused config"

step "Kafka and the registry hold exactly the eleven, and the refused one's other four topics"
# per product 5 topics x 3 partitions and 12 bindings; the refused one: 4 topics (the broker
# refused one topic of its CreateTopics, the others of the same request were created) and its
# 12 bindings
want_topics=$(((N - 1) * 5 + 4))
wait_for 30 "the counts settle" count_is topics "$want_topics"
c=$(counts)
t_assert_eq "$(field "$c" topics partitions acls)" "$want_topics $((want_topics * 3)) $((N * 12))" \
        "topics, partitions, ACL bindings (none twice)"
batches=$(metric specmesh_kafka_write_batches_total)
carried=$(metric specmesh_kafka_write_batch_products_total)
t_assert_match "$carried" "^[0-9]+$" "the batch metrics are exposed"
[ "$carried" -ge "$N" ] || t_fail "every product's Kafka writes went through the batcher ($carried < $N)"
echo "   (the Kafka writes of $carried products went out in $batches batches)"

step "a resync of the twelve reads Kafka a bounded number of times"
# --resync 3: each product is looked at once every 3 s; over 6 s that is 24 reconciles. One
# reading of Kafka (4 requests) per 1-s window at most: <= 4 x 7 = 28, where reading per
# product would take 4 x 24 = 96 (the refused product also retries, with its own writes).
r0=$(metric specmesh_reconcile_total)
k0=$(metric specmesh_kafka_requests_total)
c0=$(metric specmesh_changes_total)
sleep 6
r1=$(metric specmesh_reconcile_total)
k1=$(metric specmesh_kafka_requests_total)
c1=$(metric specmesh_changes_total)
echo "   ($((r1 - r0)) reconciles, $((k1 - k0)) Kafka requests in 6 s)"
# a reading taken just after a product's own write may not show it yet (the broker answers from
# a metadata cache that follows the controller): a resync must not act on that as drift
t_assert_eq "$((c1 - c0))" 0 "changes made by the resyncs of products in sync"
t_assert_eq "$(ready_count)" $((N - 1)) "still Ready at their generation after the resyncs"
[ $((r1 - r0)) -ge "$N" ] || t_fail "fewer than $N reconciles in two resync periods: $((r1 - r0))"
[ $((k1 - k0)) -le 40 ] || t_fail "$((k1 - k0)) Kafka requests for $((r1 - r0)) reconciles: not shared"

step "an edit is applied while the fleet resyncs"
E=$(name 7)
kube_admin patch dp -n "$ns" "$E" --type=json -p '[{"op": "replace", "path": "/spec/asyncapi/channels/_public~1t1/bindings/kafka/configs/retention.ms", "value": "86400000"}]' >/dev/null
gen=$(kube_admin get dp -n "$ns" "$E" -o jsonpath='{.metadata.generation}')
wait_for 20 "the edit observed" observed "$E" "$gen"
t_assert_eq "$(kafka_topic_config "$P.p0007._public.t1" retention.ms)" 86400000 "the edited topic's config"

step "the refused product fixed: Ready, with its fifth topic"
kube_admin patch dp -n "$ns" "$BAD" --type=json -p '[{"op": "replace", "path": "/spec/asyncapi/channels/_public~1t1/bindings/kafka/configs/retention.ms", "value": "604800000"}]' >/dev/null
wait_for 60 "all twelve Ready" at_least_ready "$N"
wait_for 30 "sixty topics" count_is topics $((N * 5))
t_assert_eq "$(field "$(counts)" topics acls subjects)" "$((N * 5)) $((N * 12)) $((N * 5))" \
        "topics, ACL bindings and subjects of twelve"

step "all twelve deleted: every finalizer done, no ACL left"
kube_admin delete dp --all -n "$ns" --wait=false >/dev/null
wait_for 90 "no DataProduct left" none_left
wait_for 30 "no ACL left" count_is acls 0
t_assert_eq "$(field "$(counts)" topics acls)" "$((N * 5)) 0" "Retain kept the topics, removed every binding"
t_done
