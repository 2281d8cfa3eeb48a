#!/usr/bin/env bash
# Reproducer: a frozen broker starves new DataProducts (their InvalidSpec waits behind failing retries)
# Six Ready products on a private broker; the broker frozen (e2e/relay.py) and all six edited;
# 40 s later a DataProduct with an invalid spec (needs no Kafka) is applied. Expected: InvalidSpec
# within seconds. Seen on main eb72f9b (two-lane workqueue, pkg/runtime/wq.c): no status for
# 199 s: the failing retries are promoted into the high lane (promote() -> LANE_HIGH) and keep
# both workers busy, so the low lane (new objects, resyncs) is never served. Uses ports
# 19470-19475 (no stack lock needed: private broker, own namespace).
set -uo pipefail
E=$(cd "$(dirname "$0")/.." && pwd); W=$(mktemp -d); SM=${SM:-$E/../build/specmesh}
eval "$($E/stack/env)"
ns=rep-$$; P=rep.r$RANDOM
$E/stack/kafka-private start $W/kafka 19470 >/dev/null 2>&1
: > $W/k.ctl; python3 $E/relay.py 19473 19472 $W/k.ctl --log $W/relay.log & RP=$!
sed "s/19470/19473/" $W/kafka/admin.properties > $W/op.props
kubectl create ns $ns >/dev/null
$SM operator --kubeconfig $SPECMESH_OPERATOR_KUBECONFIG --namespace $ns --metrics-addr 127.0.0.1:19475 --resync 3 --kafka-config $W/op.props --registry-url $SPECMESH_REGISTRY_URL > $W/op.log 2>&1 & OP=$!
dp() { printf 'apiVersion: specmesh.io/v1alpha1\nkind: DataProduct\nmetadata: {name: %s, namespace: %s}\nspec:\n  deletionPolicy: Delete\n  asyncapi:\n    asyncapi: 2.5.0\n    id: urn:%s:%s\n    info: {title: t, version: 1.0.0}\n    channels:\n      _private/state:\n        bindings: {kafka: {partitions: %s}}\n        publish: {message: {payload: {type: string}}}\n' $1 $ns ${P//./:} $1 $2; }
for i in 1 2 3 4 5 6; do dp p$i 1; done | sed 's/^apiVersion/---\napiVersion/' | kubectl apply -f - >/dev/null
sleep 15; kubectl get dp -n $ns --no-headers
echo freeze > $W/k.ctl; t0=$(date +%s)
for i in 1 2 3 4 5 6; do dp p$i 2; done | sed 's/^apiVersion/---\napiVersion/' | kubectl apply -f - >/dev/null
sleep 40; dp broken many | kubectl apply -f - >/dev/null
for i in $(seq 1 60); do r=$(kubectl get dp -n $ns broken -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}'); [ "$r" = InvalidSpec ] && break; sleep 3; done
echo "broken: '$r' $(( $(date +%s) - t0 - 40 ))s after its apply, Kafka frozen for $(( $(date +%s) - t0 ))s"
echo pass > $W/k.ctl; kill $OP $RP; wait $OP
for o in $(kubectl get dp -n $ns -o name); do kubectl patch -n $ns $o --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null; kubectl delete -n $ns $o --wait=false >/dev/null; done
$E/stack/kafka-private stop $W/kafka; rm -rf $W/kafka
