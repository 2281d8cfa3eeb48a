#!/usr/bin/env bash
# The CRD, deploy/ and the Helm chart against the real kube-apiserver: the CRD installs and
# serves DataProducts (short name dp, printer columns, status subresource); `specmesh
# manifest` output is accepted; the API server's validation refuses a bad id and a bad
# deletionPolicy; deploy/ and `helm template` pass a server-side dry run; and the RBAC in
# deploy/ gives the operator's ServiceAccount exactly what it needs and nothing more.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
root=$(cd "$here/../.." && pwd)
SM=${SPECMESH_BIN:?}
ns=e2e-manifests-$$ # one per run: namespaces are never deleted here
sa=system:serviceaccount:specmesh-system:specmesh-operator
work=$(mktemp -d)
cleanup() {
        rm -rf "$work"
        # keep the namespace: without kube-controller-manager a deleted one never finishes
        kube_admin delete dp --all -n "$ns" --ignore-not-found >/dev/null 2>&1 || true
        kube_admin delete -f "$root/deploy/20-rbac.yaml" --ignore-not-found >/dev/null 2>&1 || true
        kube_admin delete namespace "$ns-psa" --ignore-not-found --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT

step "the CRD installs and is established"
kube_admin apply -f "$root/crds/dataproducts.specmesh.io.yaml" -f "$root/crds/meshpolicies.specmesh.io.yaml" >/dev/null
kube_admin wait --for=condition=Established crd/dataproducts.specmesh.io crd/meshpolicies.specmesh.io --timeout=30s >/dev/null
t_assert_match "$(kube_admin api-resources --api-group=specmesh.io)" "dp .*true .*DataProduct" "short name dp, namespaced"

step "a manifest made by specmesh manifest is accepted"
kube_admin create namespace "$ns" --dry-run=client -o yaml | kube_admin apply -f - >/dev/null
"$SM" manifest "$root/examples/bigdatalondon/asyncapi.yaml" --name bigdatalondon --namespace "$ns" |
        kube_admin apply -f - >/dev/null
t_assert_eq "$(kube_admin get dp bigdatalondon -n "$ns" -o jsonpath='{.spec.deletionPolicy}')" Retain "defaulted deletionPolicy"
t_assert_match "$(kube_admin get dp -n "$ns")" "NAME +DOMAIN +READY +TOPICS +AGE" "printer columns"

step "the API server refuses a bad id and a bad deletionPolicy"
bad() {
        kube_admin apply -f - 2>&1 <<Y || true
apiVersion: specmesh.io/v1alpha1
kind: DataProduct
metadata: {name: bad, namespace: $ns}
spec:
  deletionPolicy: $1
  asyncapi: {asyncapi: '2.5.0', id: '$2', channels: {}}
Y
}
t_assert_match "$(bad Retain london:x)" "asyncapi.id must be a urn" "CEL rule on the id"
t_assert_match "$(bad Sometimes urn:a:b)" "Unsupported value: \"Sometimes\"" "deletionPolicy enum"
t_assert_match "$(bad Retain urn:a:_public)" "none starting with _" "a reserved segment in the id"
t_assert_match "$(kube_admin patch dp bigdatalondon -n "$ns" --type=merge \
        -p '{"spec":{"asyncapi":{"id":"urn:london:elsewhere"}}}' 2>&1 || true)" "asyncapi.id is immutable" \
        "the id cannot change (transition rule)"
t_assert_match "$(kube_admin patch dp bigdatalondon -n "$ns" --type=merge \
        -p '{"spec":{"principal":"User:*"}}' 2>&1 || true)" "wildcard or ANONYMOUS" "no wildcard principal"

step "status is a subresource: a spec update cannot write it"
kube_admin patch dp bigdatalondon -n "$ns" --type=merge -p '{"status":{"domain":"x"}}' >/dev/null
t_assert_eq "$(kube_admin get dp bigdatalondon -n "$ns" -o jsonpath='{.status.domain}')" "" "status ignored on the main resource"
kube_admin patch dp bigdatalondon -n "$ns" --subresource=status --type=merge -p '{"status":{"domain":"london.x","topicCount":3}}' >/dev/null
t_assert_eq "$(kube_admin get dp bigdatalondon -n "$ns" -o jsonpath='{.status.topicCount}')" 3 "status written through /status"

step "deploy/ and the Helm chart pass a server-side dry run"
kube_admin apply --dry-run=server -f "$root/deploy/" >/dev/null
helm lint "$root/helm/specmesh" >/dev/null
helm template specmesh "$root/helm/specmesh" --namespace specmesh-system |
        kube_admin apply --dry-run=server -f - >/dev/null
echo "ok: deploy/, helm lint and helm template pass a server-side dry run"
# a chart version with build metadata, as Flux's source-controller packages a chart from Git
# (reconcileStrategy: Revision -> 0.1.0+<commit>): every label must still be valid
cp -r "$root/helm/specmesh" "$work/chart-rev"
sed -i -E 's/^version: (.*)$/version: \1+e34aec07117a/' "$work/chart-rev/Chart.yaml"
helm template specmesh "$work/chart-rev" --namespace specmesh-system |
        kube_admin apply --dry-run=server -f - >/dev/null || t_fail "the chart at a +build version is refused"
T_CHECKS=$((T_CHECKS + 1))

step "the chart: strict lint, schema, refusals, options a platform team sets"
chart=$root/helm/specmesh
t_assert_match "$(helm lint --strict "$chart" 2>&1)" "1 chart\(s\) linted, 0 chart\(s\) failed" "helm lint --strict"
tpl() { helm template specmesh "$chart" --namespace specmesh-system "$@" 2>&1 || true; }
t_assert_match "$(tpl --set operator.leaderElect=false)" "replicaCount > 1 needs operator.leaderElect=true" \
        "two replicas without leader election refused"
t_assert_match "$(tpl --set replicaCount=1 --set operator.leaderElect=false)" "kind: Deployment" \
        "one replica without leader election renders"
t_assert_match "$(tpl --set replicas=2)" "additional properties 'replicas' not allowed" "values.schema.json refuses a typo"
t_assert_match "$(tpl --set image.digest=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef)" \
        "image: \"ghcr.io/specmesh-operator/specmesh@sha256:0123" "image pinned by digest"
out=$(tpl)
t_assert_match "$out" "--lease-name=specmesh$" "the Lease is named after the release"
t_assert_match "$out" "kind: PodDisruptionBudget" "a PodDisruptionBudget for two replicas"
t_assert_match "$out" "preferredDuringSchedulingIgnoredDuringExecution" "soft pod anti-affinity"
t_assert_eq "$(grep -c 'runAsUser' <<<"$out" || true)" 0 "no hard-coded UID (OpenShift restricted SCC)"
t_assert_match "$(tpl --set 'operator.watchNamespaces={team-a}')" "kind: RoleBinding
  name: specmesh
  namespace: team-a" "one watched namespace: a RoleBinding there"
t_assert_match "$(tpl --set 'operator.watchNamespaces={a,b}')" "(watchNamespaces|maximum 1 items)" "two namespaces refused"
out=$(tpl --set metrics.serviceMonitor.enabled=true --set metrics.podMonitor.enabled=true)
t_assert_match "$out" "kind: ServiceMonitor" "a ServiceMonitor on request"
t_assert_match "$out" "kind: PodMonitor" "a PodMonitor on request"
t_assert_eq "$(tpl | grep -c 'kind: ServiceMonitor\|kind: PodMonitor' || true)" 0 "neither by default"
tls_values=$E2E_TMP/tls-values.yaml
cat >"$tls_values" <<'Y'
extraEnv: [{name: EXTRA, value: "1"}]
extraVolumes: [{name: kafka-tls, secret: {secretName: kafka-client-tls}}]
extraVolumeMounts: [{name: kafka-tls, mountPath: /etc/specmesh/tls, readOnly: true}]
nodeSelector: {kubernetes.io/os: linux}
tolerations: [{key: dedicated, operator: Exists}]
imagePullSecrets: [{name: my-registry}]
Y
out=$(tpl -f "$tls_values")
for want in "secretName: kafka-client-tls" "mountPath: /etc/specmesh/tls" "name: EXTRA" \
        "kubernetes.io/os: linux" "key: dedicated" "name: my-registry"; do
        t_assert_match "$out" "$want" "values: $want"
done
# Pod Security admission judges the pod template of a Deployment: no warning for restricted
kube_admin create namespace "$ns-psa" --dry-run=client -o yaml |
        kube_admin label --local -f - pod-security.kubernetes.io/enforce=restricted \
                pod-security.kubernetes.io/warn=restricted -o yaml | kube_admin apply -f - >/dev/null
warn=$(helm template specmesh "$chart" --namespace "$ns-psa" | kube_admin apply --dry-run=server -f - 2>&1 >/dev/null || true)
t_assert_eq "$(grep -c 'violate PodSecurity' <<<"$warn" || true)" 0 "the chart's pods meet the restricted Pod Security level"

step "the RBAC of deploy/ is exactly what the operator uses"
# the demo and the operator test install it too: start from none
kube_admin delete -f "$root/deploy/20-rbac.yaml" --ignore-not-found --wait >/dev/null
# and the opt-in Secret RBAC (deploy/25-rbac-credentials.yaml), which only some tests apply
kube_admin delete -f "$root/deploy/25-rbac-credentials.yaml" --ignore-not-found --wait >/dev/null
for _ in $(seq 1 40); do # the authorizer follows RBAC objects through a watch
        [ "$(kube_admin auth can-i list dataproducts.specmesh.io --as="$sa" -A 2>/dev/null || true)" = no ] && break
        sleep 0.25
done
t_assert_eq "$(kube_admin auth can-i list dataproducts.specmesh.io --as="$sa" -A 2>/dev/null || true)" no "before RBAC: nothing"
kube_admin apply -f "$root/deploy/20-rbac.yaml" >/dev/null
can() { kube_admin auth can-i "$@" --as="$sa" 2>/dev/null || true; }
t_assert_eq "$(can watch dataproducts.specmesh.io -A)" yes "watch DataProducts everywhere"
t_assert_eq "$(can patch dataproducts.specmesh.io/status -n "$ns")" yes "patch status"
t_assert_eq "$(can create events -n "$ns")" yes "record events"
t_assert_eq "$(can update leases.coordination.k8s.io -n specmesh-system)" yes "its lease"
t_assert_eq "$(can update leases.coordination.k8s.io -n "$ns")" no "no lease elsewhere"
t_assert_eq "$(can delete dataproducts.specmesh.io -n "$ns")" no "never delete DataProducts"
t_assert_eq "$(can list meshpolicies.specmesh.io)" yes "read MeshPolicies"
t_assert_eq "$(can create meshpolicies.specmesh.io)" no "never write MeshPolicies"
t_assert_eq "$(can get secrets -n "$ns")" no "no secrets"
t_assert_eq "$(can create pods -n "$ns")" no "no pods"
t_assert_match "$(kube_operator get dp -n "$ns" -o name)" "dataproduct.specmesh.io/bigdatalondon" \
        "the ServiceAccount's own token lists DataProducts"
t_done
