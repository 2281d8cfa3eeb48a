#!/usr/bin/env bash
# A data product larger than client-side apply can carry: `kubectl apply` (client-side) stores
# the whole object in the kubectl.kubernetes.io/last-applied-configuration annotation, and the
# API server caps all annotations of an object at 256 KiB (262144 bytes). A DataProduct with a
# wide schema (~600 KiB) is refused that way and works with server-side apply (what Flux's
# kustomize-controller always uses, and Argo CD with ServerSideApply=true): applied, an edit
# re-applied, provisioned by the operator, no last-applied annotation.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
root=$(cd "$here/../.." && pwd)
ns=large-$$-$RANDOM
DOM=e2e.large.widestore
TOPIC=$DOM._public.wide
work=$(mktemp -d)
op_pid=
cleanup() {
        if [ -n "$op_pid" ]; then kill -TERM "$op_pid" 2>/dev/null || true; wait "$op_pid" 2>/dev/null || true; fi
        kube_admin patch dp -n "$ns" wide --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
        kube_admin delete dp -n "$ns" wide --wait=false >/dev/null 2>&1 || true
        e2e_forget_domain "$DOM"
        [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
e2e_forget_domain "$DOM"

step "a product whose DataProduct is ~600 KiB: one topic, a 2,000-field Avro schema"
mkdir -p "$work/spec/schema"
python3 - "$work/spec/schema/$TOPIC.avsc" <<'PY'
import json, sys
doc = "A measurement of the wide store, kept for audit; " * 3
fields = [{"name": "f%04d" % i, "type": ["null", "string"], "default": None,
           "doc": "%s(%d)" % (doc, i)} for i in range(2000)]
json.dump({"type": "record", "name": "Wide", "namespace": "e2e.large.widestore",
           "fields": fields}, open(sys.argv[1], "w"), indent=1)
PY
cat >"$work/spec/asyncapi.yaml" <<Y
asyncapi: '2.5.0'
id: 'urn:e2e:large:widestore'
info: {title: Wide store, version: '1.0.0'}
channels:
  _public/wide:
    bindings: {kafka: {partitions: 1, replicas: 1}}
    publish:
      message:
        payload:
          \$ref: '/schema/$TOPIC.avsc'
Y
"$SM" manifest "$work/spec/asyncapi.yaml" --name wide --namespace "$ns" >"$work/wide.yaml"
size=$(wc -c <"$work/wide.yaml")
echo "manifest: $size bytes"
[ "$size" -gt 300000 ] || t_fail "the manifest is only $size bytes"

step "the CRD, deploy/'s RBAC, a namespace, the operator"
kube_admin apply -f "$root/crds/dataproducts.specmesh.io.yaml" >/dev/null
kube_admin wait --for=condition=Established crd/dataproducts.specmesh.io --timeout=30s >/dev/null
kube_admin apply -f "$root/deploy/00-namespace.yaml" -f "$root/deploy/10-serviceaccount.yaml" \
        -f "$root/deploy/20-rbac.yaml" >/dev/null
kube_admin create namespace "$ns" >/dev/null
"$SM" operator --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" --namespace "$ns" --metrics-addr 127.0.0.1:19408 \
        >"$work/operator.log" 2>&1 &
op_pid=$!

step "client-side apply is refused: the last-applied annotation would exceed 256 KiB"
rc=0
out=$(kube_admin apply -f "$work/wide.yaml" 2>&1) || rc=$?
t_assert_eq "$([ "$rc" != 0 ] && echo refused)" refused "kubectl apply (client-side)"
t_assert_match "$out" "Too long: (must have at most|may not be more than) 262144 bytes" "the API server's reason"
t_assert_eq "$(kube_admin get dp -n "$ns" wide --ignore-not-found -o name)" "" "nothing created"

step "server-side apply works, and the operator provisions it"
kube_admin apply --server-side --field-manager=gitops -f "$work/wide.yaml" >/dev/null
t_assert_eq "$(kube_admin get dp -n "$ns" wide -o jsonpath='{.metadata.annotations}')" "" "no last-applied annotation"
kube_admin wait --for=condition=Ready dp/wide -n "$ns" --timeout=90s >/dev/null
t_assert_eq "$(kafka_partitions "$TOPIC")" 1 "topic $TOPIC"
t_assert_eq "$(registry_latest_version "$TOPIC-value")" 1 "subject $TOPIC-value"
nfields=$(curl -sf "$SPECMESH_REGISTRY_URL/subjects/$TOPIC-value/versions/latest" |
        python3 -c 'import json,sys; print(len(json.loads(json.load(sys.stdin)["schema"])["fields"]))')
t_assert_eq "$nfields" 2000 "the registered schema has every field"

step "an edit, server-side applied again: more partitions"
sed -i 's/partitions: 1,/partitions: 2,/' "$work/spec/asyncapi.yaml"
"$SM" manifest "$work/spec/asyncapi.yaml" --name wide --namespace "$ns" >"$work/wide.yaml"
kube_admin apply --server-side --field-manager=gitops -f "$work/wide.yaml" >/dev/null
caught_up() {
        [ "$(kube_admin get dp -n "$ns" wide -o jsonpath='{.status.observedGeneration}')" = 2 ] &&
                [ "$(kube_admin get dp -n "$ns" wide -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
}
for i in $(seq 1 120); do caught_up && break; sleep 0.5; done
caught_up || t_fail "generation 2 never became Ready"
t_assert_eq "$(kafka_partitions "$TOPIC")" 2 "partitions grown"
t_done
