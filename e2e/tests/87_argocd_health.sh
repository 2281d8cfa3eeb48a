#!/usr/bin/env bash
# Argo CD's view of DataProducts: deploy/argocd/health.lua (the resource.customizations.health
# check shipped for argocd-cm) evaluated by gopher-lua exactly as Argo CD runs a custom check
# (e2e/argocd: same interpreter version, same closed standard libraries, same result decoding)
# on real DataProduct objects read from the API server in each state the operator produces:
#   new (no status) -> Progressing; operator retrying -> Progressing; spec edited but not yet
#   observed -> Progressing; Ready -> Healthy; InvalidSpec -> Degraded with the message;
#   DomainConflict -> Degraded with the message; suspend: true -> Suspended.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
root=$(cd "$here/../.." && pwd)
ns=argo-$$-$RANDOM # namespaces never finish deleting without a controller-manager: one per run
BDL=london.hammersmith.olympia.bigdatalondon
work=$(mktemp -d)
op_pid=
lua=$root/deploy/argocd/health.lua

stop_operator() {
        [ -n "$op_pid" ] || return 0
        kill -TERM "$op_pid" 2>/dev/null || true
        wait "$op_pid" 2>/dev/null || true
        op_pid=
}
cleanup() {
        local o
        stop_operator
        for o in $(kube_admin get dp -n "$ns" -o name 2>/dev/null); do
                kube_admin patch -n "$ns" "$o" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
                kube_admin delete -n "$ns" "$o" --wait=false >/dev/null 2>&1 || true
        done
        e2e_forget_domain "$BDL"
        [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
e2e_forget_domain "$BDL"

# start_operator [flags]: the operator as its ServiceAccount
start_operator() {
        "$SM" operator --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" --namespace "$ns" --metrics-addr 127.0.0.1:19407 \
                --resync 8 "$@" >>"$work/operator.log" 2>&1 &
        op_pid=$!
}
poll() {
        local s=$1 what=$2 i
        shift 2
        for i in $(seq 1 $((s * 2))); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.5
        done
        t_fail "timed out after ${s}s waiting for $what"
}
cond() { kube_admin get dp -n "$ns" "$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].$3}" 2>/dev/null; }
reason_is() { [ "$(cond "$1" Ready reason)" = "$2" ]; }
# health NAME: Argo CD's verdict on the live object, "STATUS<TAB>MESSAGE"
health() {
        kube_admin get dp -n "$ns" "$1" -o json >"$work/$1.json"
        "$harness" -script "$lua" "$work/$1.json" | cut -f2-
}
check() { # NAME STATUS MESSAGE-REGEX WHAT
        local h
        h=$(health "$1")
        t_assert_eq "${h%%$'\t'*}" "$2" "$4: health"
        t_assert_match "${h#*$'\t'}" "$3" "$4: message"
        printf '   %s -> %s\n' "$1" "$h"
}

step "the harness (gopher-lua, as Argo CD runs custom health checks) and the argocd-cm snippet"
harness=$("$root/e2e/argocd/build")
kube_admin create --dry-run=client -f "$root/deploy/argocd/argocd-cm.yaml" \
        -o jsonpath='{.data.resource\.customizations\.health\.specmesh\.io_DataProduct}' >"$work/cm.lua"
t_assert_eq "$(cmp -s "$work/cm.lua" "$lua" && echo same)" same "argocd-cm.yaml carries health.lua verbatim"
# the sandbox is Argo CD's: no string library for custom checks
printf 'return {status = string.format("%%s", "Healthy")}\n' >"$work/uses-string.lua"
echo '{"metadata":{"name":"x"}}' >"$work/x.json"
if "$harness" -script "$work/uses-string.lua" "$work/x.json" >/dev/null 2>&1; then
        t_fail "the harness opened Lua's string library (Argo CD does not for custom checks)"
fi
printf 'return {status = "Fine"}\n' >"$work/bad-status.lua"
t_assert_eq "$("$harness" -script "$work/bad-status.lua" "$work/x.json" | cut -f2)" Unknown "an invalid status reads as Unknown"

step "the CRD, deploy/'s RBAC, a namespace"
kube_admin apply -f "$root/crds/dataproducts.specmesh.io.yaml" >/dev/null
kube_admin wait --for=condition=Established crd/dataproducts.specmesh.io --timeout=30s >/dev/null
kube_admin apply -f "$root/deploy/00-namespace.yaml" -f "$root/deploy/10-serviceaccount.yaml" \
        -f "$root/deploy/20-rbac.yaml" >/dev/null
kube_admin create namespace "$ns" >/dev/null

step "new: applied while no operator runs -> Progressing"
"$SM" manifest "$root/examples/bigdatalondon/asyncapi.yaml" --name bigdatalondon --namespace "$ns" >"$work/bdl.yaml"
kube_admin apply -f "$work/bdl.yaml" >/dev/null
check bigdatalondon Progressing "waiting for the (specmesh )?operator" "new"

step "reconciling: the operator cannot reach the registry and retries -> Progressing"
start_operator --registry-url http://127.0.0.1:19409/apis/ccompat/v7 # nothing listens there
poll 60 "Reconciling=True" bash -c "[ \"\$(kubectl --kubeconfig '$KUBECONFIG' get dp -n '$ns' bigdatalondon -o jsonpath='{.status.conditions[?(@.type==\"Reconciling\")].status}')\" = True ]"
check bigdatalondon Progressing "." "reconciling (retrying)"
stop_operator

step "Ready -> Healthy"
start_operator
kube_admin wait --for=condition=Ready dp/bigdatalondon -n "$ns" --timeout=60s >/dev/null
check bigdatalondon Healthy "in sync" "ready"

step "spec edited, not yet observed (operator stopped) -> Progressing"
stop_operator
kube_admin patch dp -n "$ns" bigdatalondon --type=merge -p '{"spec":{"quotas":{"producerByteRate":1048576}}}' >/dev/null
check bigdatalondon Progressing "observe generation 2" "a newer generation"

step "InvalidSpec -> Degraded with the operator's message"
start_operator
sed -e 's/urn:london:hammersmith:transport/urn:london:hammersmith:broken/' \
        -e '0,/partitions: 2/s//partitions: many/' "$root/examples/transport/asyncapi.yaml" >"$work/broken.yaml"
{
        printf 'apiVersion: specmesh.io/v1alpha1\nkind: DataProduct\nmetadata: {name: broken, namespace: %s}\nspec:\n  asyncapi:\n' "$ns"
        sed 's/^/    /' "$work/broken.yaml"
} >"$work/broken-dp.yaml"
kube_admin apply -f "$work/broken-dp.yaml" >/dev/null
poll 30 "InvalidSpec" reason_is broken InvalidSpec
check broken Degraded "^InvalidSpec: .*partitions.*bindings.kafka.partitions" "InvalidSpec"

step "DomainConflict -> Degraded with the operator's message"
sed -e 's/^  name: bigdatalondon$/  name: bdl-copy/' "$work/bdl.yaml" >"$work/copy.yaml"
kube_admin apply -f "$work/copy.yaml" >/dev/null
poll 30 "DomainConflict" reason_is bdl-copy DomainConflict
check bdl-copy Degraded "^DomainConflict: .*owned by DataProduct $ns/bigdatalondon" "DomainConflict"

step "suspended -> Suspended"
gen2_ready() {
        [ "$(kube_admin get dp -n "$ns" bigdatalondon -o jsonpath='{.status.observedGeneration}')" = 2 ] &&
                [ "$(cond bigdatalondon Ready status)" = True ]
}
poll 30 "generation 2 Ready" gen2_ready
kube_admin patch dp -n "$ns" bigdatalondon --type=merge -p '{"spec":{"suspend":true}}' >/dev/null
poll 30 "Suspended" reason_is bigdatalondon Suspended
check bigdatalondon Suspended "[Ss]uspended" "suspended"
t_done
