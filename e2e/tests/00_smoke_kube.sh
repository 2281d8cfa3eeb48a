#!/usr/bin/env bash
# The API server is real and enforces RBAC: the admin can apply a CRD and an object of it; the
# operator's ServiceAccount is refused (403) until RBAC grants it.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
crd=widgets.smoke.specmesh.io
cleanup() {
        kube_admin delete clusterrolebinding smoke-widgets --ignore-not-found >/dev/null
        kube_admin delete clusterrole smoke-widgets --ignore-not-found >/dev/null
        kube_admin delete crd "$crd" --ignore-not-found >/dev/null
}
trap cleanup EXIT

step "admin applies a CRD and an object of it"
kube_admin apply -f - >/dev/null <<Y
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: $crd}
spec:
  group: smoke.specmesh.io
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
Y
kube_admin wait --for=condition=Established "crd/$crd" --timeout=30s >/dev/null
kube_admin apply -f - >/dev/null <<Y
apiVersion: smoke.specmesh.io/v1
kind: Widget
metadata: {name: w1, namespace: default}
spec: {size: 3}
Y
t_assert_eq "$(kube_admin get widget w1 -n default -o jsonpath='{.spec.size}')" 3 "object read back"

step "the operator identity is refused before RBAC grants it"
rc=0
out=$(kube_operator get widgets -n default 2>&1) || rc=$?
[ "$rc" != 0 ] || t_fail "operator could list widgets without RBAC"
t_assert_match "$out" "Forbidden|forbidden" "operator gets 403 Forbidden"
t_assert_match "$out" "system:serviceaccount:specmesh-system:specmesh-operator" "403 names the ServiceAccount"

step "after a ClusterRole + binding it may list"
kube_admin create clusterrole smoke-widgets --verb=get,list --resource="widgets.smoke.specmesh.io" >/dev/null
kube_admin create clusterrolebinding smoke-widgets --clusterrole=smoke-widgets \
        --serviceaccount=specmesh-system:specmesh-operator >/dev/null
for _ in $(seq 1 20); do kube_operator get widgets -n default >/dev/null 2>&1 && break; sleep 0.5; done
t_assert_eq "$(kube_operator get widget w1 -n default -o jsonpath='{.metadata.name}')" w1 "operator reads after RBAC"
t_done
