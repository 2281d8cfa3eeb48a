#!/usr/bin/env bash
# The operator installed by Flux, for real: a platform repository on the loopback Git server
# holds the chart (helm/specmesh, as charts/specmesh) and releases/specmesh.yaml (the
# HelmRelease of examples/gitops/flux/helmrelease.yaml with this cluster's values); a
# Kustomization applies releases/, helm-controller (e2e/stack/flux) installs the chart from the
# GitRepository onto the two-node cluster (e2e/stack/node) with the image built from Debian
# packages (e2e/image/build). Checked with kubectl, helm and Kafka's tools:
#   - the Kustomization turns Ready only once the HelmRelease is Ready: two operator pods
#     Running and Ready on two nodes, the CRDs installed by helm-controller;
#   - a DataProduct applied with kubectl becomes Ready and its topic exists;
#   - a values change committed -> helm-controller upgrades the release (revision 2), the pods
#     roll with the new argument, and an edit made afterwards still lands;
#   - the HelmRelease removed from Git (prune) -> the release is uninstalled, the CRD and the
#     DataProduct (with its finalizer) stay.
# Same cluster differences as 90_incluster.sh: hostNetwork pods, the API server's address
# given as KUBERNETES_SERVICE_HOST/PORT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
source "$E2E_DIR/stack/common.sh" # ports
SM=${SPECMESH_BIN:?}
work=$(mktemp -d)
rel=smflux # the release: its cluster-scoped objects are named smflux-specmesh-*
full=$rel-specmesh
opns=fluxhr-op-$$ # the release's namespace
ns=fluxhr-dp-$$   # where the DataProduct lives
ks=platform-$$
repo_name=platform-$$.git
repo=$SPECMESH_STACK_STATE/git/$repo_name
TRN=london.hammersmith.transport
TUBE=$TRN._public.tube
user=specmesh-fluxhr
pass=$(openssl rand -hex 16)
PORT=10255 # metrics/probes on the pod IP, in the node's port range (90_incluster uses 10256)

poll() { # SECONDS WHAT COMMAND...: until COMMAND succeeds (bounded)
        local s=$1 what=$2 i
        shift 2
        for i in $(seq 1 $((s * 2))); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.5
        done
        kube_admin get helmrelease -n "$opns" "$rel" -o yaml 2>/dev/null | sed -n '/^status:/,$p' | head -40 >&2 || true
        kube_admin get pods -n "$opns" -o wide >&2 || true
        t_fail "timed out after ${s}s waiting for $what"
}
hr() { kube_admin get helmrelease -n "$opns" "$rel" -o jsonpath="$1" 2>/dev/null; }
hr_ready() { [ "$(hr '{.status.conditions[?(@.type=="Ready")].status}')" = True ]; }
kfield() { kube_admin get kustomization -n flux-system "$ks" -o jsonpath="$1" 2>/dev/null; }
k_ready_at() {
        [ "$(kfield '{.status.conditions[?(@.type=="Ready")].status}')" = True ] &&
                [[ "$(kfield '{.status.lastAppliedRevision}')" == *"$rev" ]]
}
kline() { kube_admin get kustomization -n flux-system "$ks" --no-headers | sed "s/^/kustomization: /"; }
hline() { kube_admin get helmrelease -n "$opns" "$rel" --no-headers | sed "s/^/helmrelease: /"; }
ready2() { [ "$(kube_admin get deploy -n "$opns" "$full" -o jsonpath='{.status.readyReplicas}' 2>/dev/null)" = 2 ]; }
pods() {
        kube_admin get pods -n "$opns" -l app.kubernetes.io/instance=$rel \
                -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.spec.nodeName}{" "}{.status.phase}{" "}{.status.containerStatuses[0].ready}{"\n"}{end}'
}

forget_flux() {
        local k
        for k in kustomization gitrepository; do
                kube_admin -n flux-system patch "$k" "$ks" --type=merge \
                        -p '{"spec":{"suspend":true,"prune":false}}' >/dev/null 2>&1 || true
                kube_admin -n flux-system delete "$k" "$ks" --wait=true --timeout=20s >/dev/null 2>&1 ||
                        kube_admin -n flux-system patch "$k" "$ks" --type=merge \
                                -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
        done
        kube_admin -n "$opns" delete helmrelease "$rel" --wait=true --timeout=60s >/dev/null 2>&1 ||
                kube_admin -n "$opns" patch helmrelease "$rel" --type=merge \
                        -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
}
# cluster-scoped objects of the chart (a release interrupted here or in 90_incluster.sh, or
# deploy/60-tenant-roles.yaml applied by another suite) would make the install refuse them
clear_cluster_scoped() {
        kube_admin delete clusterrole dataproduct-editor dataproduct-viewer --ignore-not-found >/dev/null
        kube_admin delete validatingadmissionpolicybinding,validatingadmissionpolicy "$full-dataproducts" \
                --ignore-not-found >/dev/null 2>&1 || true
        kube_admin delete clusterrolebinding,clusterrole "$full" "$full-meshpolicies" --ignore-not-found >/dev/null
}
cleanup() {
        set +e
        if [ -n "${E2E_KEEP:-}" ]; then echo "kept: namespaces $opns $ns, $work"; return; fi
        forget_flux
        helm uninstall "$rel" -n "$opns" --wait --timeout 60s >/dev/null 2>&1
        clear_cluster_scoped
        for o in $(kube_admin get dp -n "$ns" -o name 2>/dev/null); do
                kube_admin patch -n "$ns" "$o" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1
                kube_admin delete -n "$ns" "$o" --wait=false >/dev/null 2>&1
        done
        kube_admin delete ns "$opns" "$ns" --ignore-not-found --wait=false >/dev/null 2>&1
        e2e_forget_domain "$TRN"
        kafka_acls --remove --force --allow-principal "User:$user" --cluster >/dev/null 2>&1
        kafka_acls --remove --force --allow-principal "User:$user" --topic '*' >/dev/null 2>&1
        kafka_configs --alter --entity-type users --entity-name "$user" \
                --delete-config SCRAM-SHA-512,SCRAM-SHA-256 >/dev/null 2>&1
        rm -rf "$repo"
        "$root/e2e/stack/flux" down || true
        rm -rf "$work"
}
trap cleanup EXIT
e2e_forget_domain "$TRN"

step "Flux (source-, kustomize- and helm-controller), the image on a two-node cluster"
"$root/e2e/stack/flux" up
img=$("$root/e2e/image/build")
if ! out=$("$E2E_DIR/stack/node" up 2>&1); then
        printf '%s\n' "$out" | tail -20
        t_fail "e2e/stack/node up failed"
fi
"$E2E_DIR/stack/node" load "$img"
tag=$(sed -nE 's/^appVersion: "?([^"]+)"?/\1/p' "$root/helm/specmesh/Chart.yaml")
repo_img=$(sed -nE 's/^  repository: (.*)/\1/p' "$root/helm/specmesh/values.yaml")
clear_cluster_scoped

step "the operator's Kafka identity (SCRAM-SHA-512) and its connection Secret, out of band"
kafka_add_scram_user "$user" "$pass"
kafka_acls --add --allow-principal "User:$user" --cluster --operation Describe --operation Alter \
        --operation DescribeConfigs --operation AlterConfigs >/dev/null
kafka_acls --add --allow-principal "User:$user" --topic '*' --operation Create --operation Delete \
        --operation Describe --operation Alter --operation DescribeConfigs --operation AlterConfigs >/dev/null
kube_admin create namespace "$opns" >/dev/null
kube_admin create namespace "$ns" >/dev/null
kube_admin annotate namespace "$ns" "specmesh.io/domains=$TRN" >/dev/null
cat >"$work/kafka.properties" <<P
bootstrap.servers=127.0.0.1:$KAFKA_PORT
security.protocol=SASL_PLAINTEXT
sasl.mechanisms=SCRAM-SHA-512
sasl.username=$user
sasl.password=$pass
P
kube_admin create secret generic kafka-connection -n "$opns" --from-file=kafka.properties="$work/kafka.properties" \
        --from-literal=registry-url="$SPECMESH_REGISTRY_URL" >/dev/null

step "a platform repository: the chart and the HelmRelease (the example's, with this cluster's values)"
git init -q --bare "$repo"
git -C "$repo" symbolic-ref HEAD refs/heads/main
git clone -q "$repo" "$work/repo" 2>/dev/null
g() { git -C "$work/repo" -c user.name=e2e -c user.email=e2e@specmesh.invalid "$@"; }
mkdir -p "$work/repo/charts" "$work/repo/releases"
cp -r "$root/helm/specmesh" "$work/repo/charts/specmesh"
# release_yaml RESYNC: the example HelmRelease, renamed, with this test cluster's values
release_yaml() {
        python3 - "$root/examples/gitops/flux/helmrelease.yaml" "$1" >"$work/repo/releases/specmesh.yaml" <<PY
import sys
src, resync = sys.argv[1], sys.argv[2]
s = open(src).read()
s = s.replace("  name: specmesh\n  namespace: specmesh-system", "  name: $rel\n  namespace: $opns")
s = s.replace("releaseName: specmesh", "releaseName: $rel")
s = s.replace("name: platform\n", "name: $ks\n")
head, _, _ = s.partition("  values:\n")
print(head + """  values:
    image: {pullPolicy: Never}
    connection: {existingSecret: kafka-connection}
    operator: {watchNamespaces: [$ns], logFormat: text, resyncSeconds: %s}
    hostNetwork: true
    metrics: {port: $PORT, bindAddress: "\$(POD_IP)"}
    updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}
    extraEnv:
      - {name: KUBERNETES_SERVICE_HOST, value: "127.0.0.1"}
      - {name: KUBERNETES_SERVICE_PORT, value: "$APISERVER_PORT"}""" % resync, end="")
PY
}
release_yaml 300
rev=
commit() {
        local now
        g add -A && g commit -qm "$1" && g push -q origin HEAD:main
        rev=$(g rev-parse HEAD)
        now=$(date +%s%N)
        kube_admin annotate -n flux-system --overwrite gitrepository "$ks" "reconcile.fluxcd.io/requestedAt=$now" >/dev/null 2>&1 || true
        kube_admin annotate -n flux-system --overwrite kustomization "$ks" "reconcile.fluxcd.io/requestedAt=$now" >/dev/null 2>&1 || true
}
commit "the specmesh operator"
sed -e "s/name: data-products/name: $ks/" -e 's/interval: 1m/interval: 10m/' \
        -e "s#url: .*#url: http://127.0.0.1:19400/$repo_name#" -e 's#^    !/manifests/#    !/releases/\n    !/charts/#' \
        "$root/examples/gitops/flux/gitrepository.yaml" >"$work/gitrepository.yaml"
sed -e "s/name: data-products/name: $ks/" -e 's/retryInterval: 1m/retryInterval: 3s/' \
        -e 's/timeout: 5m/timeout: 150s/' -e 's#path: ./manifests#path: ./releases#' \
        "$root/examples/gitops/flux/kustomization.yaml" >"$work/kustomization.yaml"

step "Flux applies the HelmRelease; helm-controller installs the chart: two Ready pods, then Ready"
t=$(date +%s)
kube_admin apply -f "$work/gitrepository.yaml" -f "$work/kustomization.yaml" >/dev/null
poll 180 "the Kustomization Ready at $rev" k_ready_at
echo "commit -> Kustomization Ready (release installed, pods Ready): $(($(date +%s) - t))s"
kline
hline
t_assert_eq "$(hr '{.status.conditions[?(@.type=="Ready")].status}')" True "HelmRelease Ready"
t_assert_eq "$(helm status "$rel" -n "$opns" -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["info"]["status"], d["version"])')" \
        "deployed 1" "helm status: revision 1 deployed"
poll 60 "both replicas Ready" ready2
pods | tee "$work/pods"
t_assert_eq "$(grep -c ' Running true$' "$work/pods")" 2 "two pods Running and Ready"
t_assert_eq "$(awk '{print $2}' "$work/pods" | sort -u | wc -l)" 2 "on two nodes"
p1=$(head -1 "$work/pods" | cut -d' ' -f1)
t_assert_eq "$(kube_admin get pod -n "$opns" "$p1" -o jsonpath='{.spec.containers[0].image}')" "$repo_img:$tag" "the chart's image"
t_assert_eq "$(kube_admin get crd dataproducts.specmesh.io -o jsonpath='{.metadata.name}')" dataproducts.specmesh.io "the CRD (installed by helm-controller)"

step "a DataProduct applied with kubectl becomes Ready under the Flux-installed operator"
mkdir -p "$work/ex" && cp -r "$root/examples/." "$work/ex/"
manifest() { "$SM" manifest "$work/ex/transport/asyncapi.yaml" --name transport --namespace "$ns"; }
manifest | kube_admin apply -f - >/dev/null
kube_admin wait --for=condition=Ready dp/transport -n "$ns" --timeout=90s >/dev/null ||
        { kube_admin get dp -n "$ns" -o yaml | tail -20; t_fail "not Ready"; }
t_assert_eq "$(kafka_partitions "$TUBE")" 2 "partitions of $TUBE (kcat)"

step "commit a values change: helm-controller upgrades the release, the pods roll"
old_hash=$(kube_admin get pods -n "$opns" -l app.kubernetes.io/instance=$rel -o jsonpath='{.items[0].metadata.labels.pod-template-hash}')
release_yaml 120
commit "resync every 120 s"
# a commit changes both the values and the chart's revision (0.1.0+<commit>): helm-controller
# may upgrade once or twice; what counts is a deployed revision after the first with the value
upgraded() {
        [ "$(helm status "$rel" -n "$opns" -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["info"]["status"], d["version"] >= 2)')" = "deployed True" ] &&
                [ "$(helm get values "$rel" -n "$opns" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["operator"]["resyncSeconds"])')" = 120 ]
}
poll 120 "a later helm revision deployed with resyncSeconds 120" upgraded
poll 120 "the Kustomization Ready at $rev" k_ready_at
kube_admin rollout status deploy/"$full" -n "$opns" --timeout=120s >/dev/null
kline
hline
t_assert_match "$(kube_admin get deploy -n "$opns" "$full" -o jsonpath='{.spec.template.spec.containers[0].args}')" \
        "--resync=120s" "the new value in the pods' args"
t_assert_eq "$(kube_admin get pods -n "$opns" -l "pod-template-hash=$old_hash" -o name | wc -l)" 0 "old pods replaced"
poll 60 "two Ready pods after the roll" ready2
sed -i '0,/partitions: 2/s//partitions: 3/' "$work/ex/transport/asyncapi.yaml"
manifest | kube_admin apply -f - >/dev/null
grown() { [ "$(kafka_partitions "$TUBE")" = 3 ]; }
poll 60 "the edit applied by the upgraded operator" grown
t_assert_eq "$(kafka_partitions "$TUBE")" 3 "partitions after the edit"

step "remove the HelmRelease from Git (prune): the release is uninstalled; CRD and DataProduct stay"
g rm -q releases/specmesh.yaml
mkdir -p "$work/repo/releases" && touch "$work/repo/releases/.keep" # an empty path: Flux applies nothing
commit "uninstall the operator"
hr_gone() { [ -z "$(kube_admin get helmrelease -n "$opns" --ignore-not-found -o name)" ]; }
poll 120 "the HelmRelease pruned" hr_gone
no_release() { ! helm status "$rel" -n "$opns" >/dev/null 2>&1; }
poll 60 "helm release gone" no_release
pods_gone() { [ -z "$(kube_admin get pods -n "$opns" -o name)" ]; }
poll 90 "the operator pods to go" pods_gone
T_CHECKS=$((T_CHECKS + 3))
t_assert_eq "$(kube_admin get crd dataproducts.specmesh.io -o name)" customresourcedefinition.apiextensions.k8s.io/dataproducts.specmesh.io "CRD kept"
t_assert_eq "$(kube_admin get dp -n "$ns" transport -o jsonpath='{.metadata.finalizers[0]}')" specmesh.io/finalizer "DataProduct kept, finalizer still on"
kline
t_done
