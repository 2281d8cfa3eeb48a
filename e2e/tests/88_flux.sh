#!/usr/bin/env bash
# End-to-end GitOps with Flux, for real: source-controller and kustomize-controller (built from
# the Go module proxy, e2e/stack/flux) apply DataProducts from a Git repository served on
# loopback, and `specmesh operator` (as its ServiceAccount, deploy/'s RBAC) provisions them.
# The spec repository follows examples/gitops (products/<name>/ -> manifests/<name>.yaml by
# examples/gitops/ci/generate-manifests.sh) and the GitRepository and Kustomization are the
# examples' own files with this run's names. Checked with kubectl and Kafka's own tools:
#   - two products committed: the Kustomization is Ready only after both DataProducts are
#     (it is held not Ready while the operator is stopped), and the topics and ACLs exist;
#   - a broken spec committed: the Kustomization fails its health check naming the DataProduct,
#     whose Ready condition carries the InvalidSpec message; nothing in Kafka changes;
#   - a DomainConflict committed: the same;
#   - an edit committed: applied; both products removed (prune): the finalizer applies each
#     product's deletionPolicy (Delete: topics go; Retain: topics stay, ACLs go).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
root=$(cd "$here/../.." && pwd)
ns=flux-$$-$RANDOM # namespaces never finish deleting without a controller-manager: one per run
ks=specs-$$
repo_name=specs-$ns.git
repo=$SPECMESH_STACK_STATE/git/$repo_name
BDL=london.hammersmith.olympia.bigdatalondon
TRN=london.hammersmith.transport
ATTENDEE=$BDL._public.attendee
TUBE=$TRN._public.tube
op_pid=
work=$(mktemp -d)

stop_operator() {
        [ -n "$op_pid" ] || return 0
        kill -TERM "$op_pid" 2>/dev/null || true
        wait "$op_pid" 2>/dev/null || true
        op_pid=
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
}
forget_dps() {
        local o
        for o in $(kube_admin get dp -n "$ns" -o name 2>/dev/null); do
                kube_admin patch -n "$ns" "$o" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
                kube_admin delete -n "$ns" "$o" --wait=false >/dev/null 2>&1 || true
        done
}
cleanup() {
        forget_flux
        stop_operator
        forget_dps
        e2e_forget_domain $BDL $TRN
        rm -rf "$repo"
        "$root/e2e/stack/flux" down || true
        [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
e2e_forget_domain $BDL $TRN

start_operator() {
        "$SM" operator --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" --namespace "$ns" --metrics-addr 127.0.0.1:19406 \
                --resync 8 >>"$work/operator.log" 2>&1 &
        op_pid=$!
}
# poll SECONDS WHAT COMMAND...: until COMMAND succeeds (bounded)
poll() {
        local s=$1 what=$2 i
        shift 2
        for i in $(seq 1 $((s * 2))); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.5
        done
        kube_admin get kustomization -n flux-system "$ks" -o yaml >&2 || true
        t_fail "timed out after ${s}s waiting for $what"
}
kfield() { kube_admin get kustomization -n flux-system "$ks" -o jsonpath="$1" 2>/dev/null; }
kready() { kfield '{.status.conditions[?(@.type=="Ready")].status}'; }
kreason() { kfield '{.status.conditions[?(@.type=="Ready")].reason}'; }
kmessage() { kfield '{.status.conditions[?(@.type=="Ready")].message}'; }
# the status line `kubectl get kustomization` prints (what a user sees), into the log
kline() { kube_admin get kustomization -n flux-system "$ks" --no-headers | sed "s/^/status line: /"; }
attempted() { [[ "$(kfield '{.status.lastAttemptedRevision}')" == *"$1" ]]; }
ready_at() { [ "$(kready)" = True ] && [[ "$(kfield '{.status.lastAppliedRevision}')" == *"$1" ]]; }
failed_at() { attempted "$1" && [ "$(kready)" = False ] && [ "$(kreason)" = HealthCheckFailed ]; }
dpcond() { kube_admin get dp -n "$ns" "$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].$3}" 2>/dev/null; }
dp_ready() {
        [ "$(dpcond "$1" Ready status)" = True ] &&
                [ "$(kube_admin get dp -n "$ns" "$1" -o jsonpath='{.status.observedGeneration}')" = \
                        "$(kube_admin get dp -n "$ns" "$1" -o jsonpath='{.metadata.generation}')" ]
}
dp_exists() { [ -n "$(kube_admin get dp -n "$ns" "$1" --ignore-not-found -o name)" ]; }
dp_gone() { ! dp_exists "$1"; }

# Git: the spec repository, served by e2e/stack/flux's HTTP server; commits go to the bare
# repository directly (the server is read-only), then Flux is asked to look now (the
# annotation `flux reconcile` sets) instead of waiting for its interval.
g() { git -C "$work/repo" -c user.name=e2e -c user.email=e2e@specmesh.invalid "$@"; }
rev=
# push MESSAGE [raw]: regenerate manifests/ from products/ (the CI script; not with raw: a
# manifest written by hand, which the script would remove), commit, push
push() {
        [ "${2:-}" = raw ] || SPECMESH=$SM "$root/examples/gitops/ci/generate-manifests.sh" \
                "$work/repo/products" "$work/repo/manifests" "$ns"
        g add -A && g commit -qm "$1" && g push -q origin HEAD:main
        rev=$(g rev-parse HEAD)
}
fetched() {
        [[ "$(kube_admin get gitrepository -n flux-system "$ks" -o jsonpath='{.status.artifact.revision}' 2>/dev/null)" == *"$rev" ]]
}
# commit MESSAGE [raw]: push, then ask Flux to look now (what `flux reconcile` does) instead
# of waiting for the interval
commit() {
        local now
        push "$@"
        now=$(date +%s%N)
        kube_admin annotate -n flux-system --overwrite gitrepository "$ks" "reconcile.fluxcd.io/requestedAt=$now" >/dev/null
        poll 30 "the GitRepository to fetch $rev" fetched
        kube_admin annotate -n flux-system --overwrite kustomization "$ks" "reconcile.fluxcd.io/requestedAt=$now" >/dev/null
}
products() { echo "$work/repo/products"; }

step "Flux controllers, the CRD and deploy/'s RBAC, a namespace for this run"
"$root/e2e/stack/flux" up
kube_admin apply -f "$root/crds/dataproducts.specmesh.io.yaml" >/dev/null
kube_admin wait --for=condition=Established crd/dataproducts.specmesh.io --timeout=30s >/dev/null
kube_admin apply -f "$root/deploy/00-namespace.yaml" -f "$root/deploy/10-serviceaccount.yaml" \
        -f "$root/deploy/20-rbac.yaml" >/dev/null
kube_admin create namespace "$ns" >/dev/null

step "a spec repository with two products, and Flux pointed at it (the examples' own files)"
git init -q --bare "$repo"
git -C "$repo" symbolic-ref HEAD refs/heads/main
git clone -q "$repo" "$work/repo" 2>/dev/null
mkdir -p "$(products)" "$work/repo/manifests"
printf '# generated by ci/generate-manifests.sh from products/: do not edit\n' >"$work/repo/manifests/README.md"
cp -r "$root/examples/bigdatalondon" "$(products)/bigdatalondon"
cp -r "$root/examples/transport" "$(products)/transport"
printf 'deletionPolicy: Delete\n' >"$(products)/transport/spec.yaml"
sed -e "s/name: data-products/name: $ks/" -e 's/interval: 1m/interval: 10m/' \
        -e "s#url: .*#url: http://127.0.0.1:19400/$repo_name#" \
        "$root/examples/gitops/flux/gitrepository.yaml" >"$work/gitrepository.yaml"
sed -e "s/name: data-products/name: $ks/" -e 's/retryInterval: 1m/retryInterval: 3s/' \
        -e 's/timeout: 5m/timeout: 90s/' \
        "$root/examples/gitops/flux/kustomization.yaml" >"$work/kustomization.yaml"

step "commit two products while the operator is stopped: applied, but the Kustomization is not Ready"
push "two data products"
kube_admin apply -f "$work/gitrepository.yaml" -f "$work/kustomization.yaml" >/dev/null
poll 30 "the GitRepository to fetch $rev" fetched
both_exist() { dp_exists bigdatalondon && dp_exists transport; }
poll 60 "Flux to apply both DataProducts" both_exist
sleep 8 # several health-check polls of Flux; nothing can make the products Ready yet
t_assert_eq "$(kready)" Unknown "Kustomization Ready while the products are not provisioned"
t_assert_match "$(kmessage)" "[Rr]econcil|health" "the Kustomization says it is still working"
kline

step "start the operator: both products become Ready, then (only then) the Kustomization"
start_operator
bad=0
for i in $(seq 1 180); do
        k=$(kready)/$(kfield '{.status.lastAppliedRevision}')
        if [ "${k%%/*}" = True ] && [[ "$k" == *"$rev" ]]; then
                # read after the Kustomization: a product not Ready now was not Ready then
                dp_ready bigdatalondon && dp_ready transport || bad=1
                break
        fi
        sleep 0.5
done
ready_at "$rev" || t_fail "the Kustomization never became Ready at $rev: $(kmessage)"
t_assert_eq "$bad" 0 "both DataProducts were Ready when the Kustomization turned Ready"
kline
t_assert_eq "$(kafka_partitions "$ATTENDEE")" 3 "topic $ATTENDEE"
t_assert_eq "$(kafka_partitions "$TUBE")" 2 "topic $TUBE"
t_assert_eq "$(kafka_acls_of "$BDL" | wc -l)" 14 "ACL bindings of $BDL"
[ "$(kafka_acls_of "$TRN" | wc -l)" -gt 0 ] || t_fail "no ACLs for $TRN"
t_assert_eq "$(registry_latest_version "$ATTENDEE-value")" 1 "subject $ATTENDEE-value"

snapshot() {
        {
                kafka_topics --list | grep -E "^london\." | sort
                kafka_acls_of "$BDL"
                kafka_acls_of "$TRN"
                for t in $ATTENDEE $TUBE; do echo "$t $(kafka_partitions "$t")"; done
        } 2>/dev/null
}
before=$(snapshot)

step "commit a broken spec: the Kustomization fails on it, the DataProduct says why, Kafka is untouched"
# CI's generate-manifests.sh refuses an invalid document, so this is a manifest committed by
# hand (or produced by an older specmesh): the operator is the last line of defence.
sed -e 's/urn:london:hammersmith:transport/urn:london:hammersmith:broken/' \
        -e '0,/partitions: 2/s//partitions: many/' "$root/examples/transport/asyncapi.yaml" >"$work/broken.yaml"
{
        printf 'apiVersion: specmesh.io/v1alpha1\nkind: DataProduct\nmetadata: {name: broken, namespace: %s}\nspec:\n  asyncapi:\n' "$ns"
        sed 's/^/    /' "$work/broken.yaml"
} >"$work/broken-dp.yaml"
cp "$work/broken-dp.yaml" "$work/repo/manifests/broken.yaml"
commit "a broken spec" raw
poll 60 "the Kustomization to fail its health check at $rev" failed_at "$rev"
kline
t_assert_match "$(kmessage)" "DataProduct/$ns/broken status: 'Failed'" "the Kustomization names the DataProduct"
t_assert_eq "$(dpcond broken Ready reason)" InvalidSpec "the DataProduct's reason"
t_assert_match "$(dpcond broken Ready message)" "partitions.*at channels.*bindings.kafka.partitions" \
        "the DataProduct's message names the field"
echo "DataProduct broken: Ready=False InvalidSpec: $(dpcond broken Ready message)"
t_assert_eq "$(kafka_topics --list | grep -c london.hammersmith.broken || true)" 0 "no topic for the broken spec"
t_assert_eq "$(snapshot)" "$before" "topics, partitions and ACLs unchanged"

step "remove it again: Ready (prune deletes the broken DataProduct)"
rm "$work/repo/manifests/broken.yaml"
commit "drop the broken spec"
poll 60 "Ready at $rev" ready_at "$rev"
poll 30 "the broken DataProduct to be pruned" dp_gone broken

step "commit a second product claiming bigdatalondon's domain: DomainConflict, Kafka untouched"
sed -e "s/^  name: bigdatalondon$/  name: bdl-copy/" -e '0,/partitions: 3/s//partitions: 9/' \
        "$work/repo/manifests/bigdatalondon.yaml" >"$work/repo/manifests/bdl-copy.yaml"
commit "a conflicting claim" raw
poll 60 "the Kustomization to fail its health check at $rev" failed_at "$rev"
kline
t_assert_match "$(kmessage)" "DataProduct/$ns/bdl-copy status: 'Failed'" "the Kustomization names the DataProduct"
t_assert_eq "$(dpcond bdl-copy Ready reason)" DomainConflict "the DataProduct's reason"
t_assert_match "$(dpcond bdl-copy Ready message)" "owned by DataProduct $ns/bigdatalondon" "the conflict message"
echo "DataProduct bdl-copy: Ready=False DomainConflict: $(dpcond bdl-copy Ready message)"
t_assert_eq "$(snapshot)" "$before" "topics, partitions and ACLs unchanged"
rm "$work/repo/manifests/bdl-copy.yaml"
commit "drop the conflicting claim"
poll 60 "Ready at $rev" ready_at "$rev"
poll 30 "bdl-copy to be pruned" dp_gone bdl-copy
t_assert_eq "$(kafka_acls_of "$BDL" | wc -l)" 14 "pruning the loser left the owner's ACLs"

step "commit an edit: applied"
sed -i '0,/partitions: 3/s//partitions: 5/' "$(products)/bigdatalondon/asyncapi.yaml"
commit "attendee: 5 partitions"
poll 90 "Ready at $rev" ready_at "$rev"
kline
t_assert_eq "$(kube_admin get dp -n "$ns" bigdatalondon -o jsonpath='{.status.observedGeneration}')" 2 "observedGeneration"
t_assert_eq "$(kafka_partitions "$ATTENDEE")" 5 "partitions grown"

step "commit the removal of both products (prune): each one's deletionPolicy runs"
rm -rf "$(products)/bigdatalondon" "$(products)/transport"
commit "remove both products"
poll 90 "Ready at $rev" ready_at "$rev"
both_gone() { dp_gone bigdatalondon && dp_gone transport; }
poll 60 "both DataProducts to be deleted" both_gone
kline
tube_gone() { [ -z "$(kafka_partitions "$TUBE")" ]; }
poll 30 "topic $TUBE to be deleted" tube_gone # Kafka deletes topics asynchronously
t_assert_eq "$(kafka_partitions "$TUBE")" "" "transport (Delete): topic $TUBE deleted"
t_assert_eq "$(kafka_acls_of "$TRN" | wc -l)" 0 "transport: no ACLs left"
t_assert_eq "$(kafka_partitions "$ATTENDEE")" 5 "bigdatalondon (Retain): topic kept"
t_assert_eq "$(registry_latest_version "$ATTENDEE-value")" 1 "bigdatalondon (Retain): subject kept"
t_assert_eq "$(kafka_acls_of "$BDL" | wc -l)" 0 "bigdatalondon: ACLs removed"
t_done
