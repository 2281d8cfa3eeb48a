#!/usr/bin/env bash
# End-to-end: access requests, spec-driven. Who may ask and answer is RBAC (the tenant roles,
# checked with kubectl auth can-i; the chart's values render them). Heathrow asks (an
# AccessRequest in its namespace) to read Big Data London's protected purchases: Pending, with
# an Event on the owner's DataProduct and the request on its status.accessRequests; the owner
# adds grant-access:<heathrow> to its spec -> Granted once the ACLs are in Kafka, and Heathrow's
# principal reads with Kafka's console consumer; the owner removes the tag -> Revoked and the
# consumer is denied; deny-access:<heathrow> -> Denied. Requests that can never be granted (a
# public topic, a private one) are Invalid.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
root=$(cd "$here/../.." && pwd)
SM=${SPECMESH_BIN:?}
work=$(mktemp -d)
ns=ar-$$-$RANDOM
port=18106
BDL=london.hammersmith.olympia.bigdatalondon
LHR=london.heathrow.transport
PURCHASE=$BDL._protected.retail.purchase
op=""
users=()

cleanup() {
        for u in "${users[@]}"; do kill "$u" 2>/dev/null || true; done
        [ -z "$op" ] || { kill -TERM "$op" 2>/dev/null; wait "$op" 2>/dev/null || true; }
        for o in $(kube_admin get dp,ar -n "$ns" -o name 2>/dev/null); do
                kube_admin patch -n "$ns" "$o" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
                kube_admin delete -n "$ns" "$o" --wait=false >/dev/null 2>&1 || true
        done
        kube_admin delete clusterrole "$ns-dataproduct-editor" "$ns-dataproduct-viewer" --ignore-not-found >/dev/null 2>&1 || true
        e2e_forget_domain $BDL $LHR
        [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
phase() { kube_admin get ar -n "$ns" "$1" -o jsonpath='{.status.phase}' 2>/dev/null; }
phase_is() { [ "$(phase "$1")" = "$2" ]; }
dp_current() { # NAME: Ready at the current generation
        [ "$(kube_admin get dp -n "$ns" "$1" -o jsonpath='{.status.observedGeneration}')" = \
                "$(kube_admin get dp -n "$ns" "$1" -o jsonpath='{.metadata.generation}')" ] &&
                [ "$(kube_admin get dp -n "$ns" "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
}
request() { # NAME TOPIC DOMAIN
        kube_admin apply -f - >/dev/null <<Y
apiVersion: specmesh.io/v1alpha1
kind: AccessRequest
metadata: {name: $1, namespace: $ns}
spec: {topic: $2, domain: $3, purpose: "plan late trains from the venue's sales"}
Y
}
# publish NAME: the owner's spec (with the purchase channel's tags as they are in $work) applied
publish() {
        "$SM" manifest "$work/bigdatalondon/asyncapi.yaml" --name bigdatalondon --namespace "$ns" >"$work/bdl.dp.yaml"
        kube_admin apply -f "$work/bdl.dp.yaml" >/dev/null
}
set_tags() { # TAG-LINES...: the purchase channel's tags
        python3 - "$work/bigdatalondon/asyncapi.yaml" "$@" <<'EOF'
import re, sys
p = sys.argv[1]
s = open(p).read()
tags = "".join("        - name: '%s'\n" % t for t in sys.argv[2:])
s = re.sub(r"(      tags:\n)(        - name: '[^']*'\n)+", lambda m: m.group(1) + tags, s, count=1)
open(p, "w").write(s)
EOF
}

step "the CRDs, deploy/'s RBAC, a namespace; the operator with --access-requests"
kube_admin apply -f "$root/crds/dataproducts.specmesh.io.yaml" -f "$root/crds/accessrequests.specmesh.io.yaml" >/dev/null
kube_admin wait --for=condition=Established crd/dataproducts.specmesh.io crd/accessrequests.specmesh.io --timeout=30s >/dev/null
kube_admin apply -f "$root/deploy/00-namespace.yaml" -f "$root/deploy/10-serviceaccount.yaml" \
        -f "$root/deploy/20-rbac.yaml" >/dev/null
kube_admin create namespace "$ns" >/dev/null
# the two principals' SCRAM credentials, made while the rest is set up (each takes a few
# client runs); waited for before the first record is produced
for d in $BDL $LHR; do
        kafka_add_scram_user "$d" "$d-secret" &
        users+=($!)
done
t_assert_eq "$(kube_admin auth can-i patch accessrequests --subresource=status -n "$ns" --as system:serviceaccount:specmesh-system:specmesh-operator)" yes "the operator may write a request's status"
t_assert_eq "$(kube_admin auth can-i create accessrequests -n "$ns" --as system:serviceaccount:specmesh-system:specmesh-operator || true)" no "the operator does not make requests"

step "who may ask and who may answer (deploy/60-tenant-roles.yaml, under this run's names)"
# the real rules, renamed and not aggregated, so that no shared ClusterRole is touched
sed -e "s/name: dataproduct-/name: $ns-dataproduct-/" -e '/aggregate-to-/d' \
        "$root/deploy/60-tenant-roles.yaml" | kube_admin apply -f - >/dev/null
kube_admin create rolebinding lhr-dev -n "$ns" --clusterrole="$ns-dataproduct-editor" --user="lhr-dev-$ns" >/dev/null
kube_admin create rolebinding auditor -n "$ns" --clusterrole="$ns-dataproduct-viewer" --user="auditor-$ns" >/dev/null
can() { kube_admin auth can-i "$@" 2>/dev/null || true; }
for _ in $(seq 1 40); do # the authorizer follows RBAC objects through a watch
        [ "$(can create accessrequests -n "$ns" --as="lhr-dev-$ns")" = yes ] && break
        sleep 0.25
done
t_assert_eq "$(can create accessrequests -n "$ns" --as="lhr-dev-$ns")" yes "a namespace's editor may ask"
t_assert_eq "$(can create accessrequests -n default --as="lhr-dev-$ns")" no "only in its own namespace"
t_assert_eq "$(can patch accessrequests --subresource=status -n "$ns" --as="lhr-dev-$ns")" no "an editor cannot answer a request itself"
t_assert_eq "$(can patch dataproducts -n "$ns" --as="lhr-dev-$ns")" yes "the owner answers by editing its DataProduct"
t_assert_eq "$(can patch dataproducts -n default --as="lhr-dev-$ns")" no "not another namespace's DataProduct"
t_assert_eq "$(can list accessrequests -n "$ns" --as="auditor-$ns")" yes "a viewer may read requests"
t_assert_eq "$(can create accessrequests -n "$ns" --as="auditor-$ns")" no "a viewer may not ask"

step "the chart installs the CRD and, with accessRequests.enabled, the flag and the RBAC"
cmp "$root/crds/accessrequests.specmesh.io.yaml" "$root/helm/specmesh/crds/accessrequests.specmesh.io.yaml" ||
        t_fail "helm/specmesh/crds/ differs from crds/"
cmp "$root/crds/dataproducts.specmesh.io.yaml" "$root/helm/specmesh/crds/dataproducts.specmesh.io.yaml" ||
        t_fail "helm/specmesh/crds/ differs from crds/"
chart_on=$(helm template specmesh "$root/helm/specmesh" --namespace specmesh-system)
chart_off=$(helm template specmesh "$root/helm/specmesh" --namespace specmesh-system --set accessRequests.enabled=false)
t_assert_match "$chart_on" "- --access-requests" "the chart runs the operator with --access-requests"
t_assert_eq "$(grep -c 'resources: \["accessrequests' <<<"$chart_on")" 4 "operator and tenant RBAC for requests"
t_assert_eq "$(grep -c 'access-requests\|accessrequests' <<<"$chart_off" || true)" 0 "accessRequests.enabled=false: neither"

"$SM" operator --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" --namespace "$ns" --access-requests \
        --metrics-addr "127.0.0.1:$port" --resync 300 >"$work/operator.log" 2>&1 &
op=$!

step "Big Data London (grants Hammersmith transport only) and Heathrow"
cp -r "$root/examples/." "$work/"
publish
"$SM" manifest "$work/heathrow/asyncapi.yaml" --name heathrow --namespace "$ns" >"$work/lhr.dp.yaml"
kube_admin apply -f "$work/lhr.dp.yaml" >/dev/null
kube_admin wait --for=condition=Ready dp/bigdatalondon dp/heathrow -n "$ns" --timeout=90s >/dev/null
for u in "${users[@]}"; do wait "$u" || t_fail "SCRAM credentials not created"; done
echo '{"id":"p1","retailer":"subway","amountPence":650}' | kafka_produce "$BDL" "$BDL-secret" SCRAM-SHA-512 "$PURCHASE"

step "requests that can never be granted are Invalid"
request public "$BDL._public.attendee" "$LHR"
request private "$BDL._private.ticket-scans" "$LHR"
wait_for 30 "the public request decided" phase_is public Invalid
wait_for 30 "the private request decided" phase_is private Invalid
t_assert_match "$(kube_admin get ar -n "$ns" public -o jsonpath='{.status.message}')" "public topic needs no request" "public: why"
t_assert_match "$(kube_admin get ar -n "$ns" private -o jsonpath='{.status.message}')" "private topic cannot be requested" "private: why"

step "Heathrow asks: Pending, and the owner hears of it"
request purchases "$PURCHASE" "$LHR"
wait_for 30 "the request to be Pending" phase_is purchases Pending
wait_for 20 "an AccessRequested event on the owner's DataProduct" bash -c \
        "kubectl --kubeconfig '$KUBECONFIG' get events -n '$ns' --field-selector involvedObject.name=bigdatalondon,reason=AccessRequested -o jsonpath='{.items[*].message}' | grep -q 'asks to read $PURCHASE'"
t_assert_match "$(kube_admin get ar -n "$ns" purchases)" "purchases +$PURCHASE +$LHR +Pending" "printer columns"
pending_on_owner() { kube_admin get dp -n "$ns" bigdatalondon -o jsonpath='{range .status.accessRequests[*]}{.namespace}/{.name} {.domain} {.topic} {.purpose}{"\n"}{end}'; }
wait_for 20 "the request listed on the owner's status" bash -c "kubectl --kubeconfig '$KUBECONFIG' get dp -n '$ns' bigdatalondon -o jsonpath='{.status.accessRequests[*].name}' | grep -qx purchases"
t_assert_eq "$(pending_on_owner)" "$ns/purchases $LHR $PURCHASE plan late trains from the venue's sales" "pending on the owner's DataProduct status"
t_assert_eq "$(kube_admin get dp -n "$ns" heathrow -o jsonpath='{.status.accessRequests}')" "" "nothing pending on the requester's"
rc=0
out=$(kafka_consume "$LHR" "$LHR-secret" SCRAM-SHA-512 "$PURCHASE" "$LHR.e2e") || rc=$?
[ "$rc" != 0 ] || t_fail "read before the grant: $out"

step "the owner grants it in its spec -> Granted; Heathrow reads"
set_tags "grant-access:london.hammersmith.transport" "grant-access:$LHR"
publish
wait_for 60 "the request to be Granted" phase_is purchases Granted
t_assert_eq "$(dp_current bigdatalondon && echo applied)" applied "Granted only once the grant is applied"
out=$(kafka_consume "$LHR" "$LHR-secret" SCRAM-SHA-512 "$PURCHASE" "$LHR.e2e") || t_fail "granted consumer failed: $out"
t_assert_match "$out" '"p1"' "Heathrow reads the record"
t_assert_eq "$(pending_on_owner)" "" "no longer pending on the owner's status"

step "the owner removes the grant -> Revoked; Heathrow is denied"
set_tags "grant-access:london.hammersmith.transport"
publish
wait_for 60 "the request to be Revoked" phase_is purchases Revoked
wait_for 30 "the owner's product applied" dp_current bigdatalondon
rc=0
out=$(kafka_consume "$LHR" "$LHR-secret" SCRAM-SHA-512 "$PURCHASE" "$LHR.e2e2") || rc=$?
[ "$rc" != 0 ] || t_fail "revoked consumer still reads: $out"
t_assert_match "$out" "[Nn]ot authorized" "after the revoke Heathrow is denied"

step "the owner refuses it (deny-access tag) -> Denied"
set_tags "grant-access:london.hammersmith.transport" "deny-access:$LHR"
publish
wait_for 60 "the request to be Denied" phase_is purchases Denied
t_assert_eq "$(kube_admin get ar -n "$ns" purchases -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" False "Ready=False"
t_done
