#!/usr/bin/env bash
# End-to-end tenancy (docs/security.md): two tenants in two namespaces, the platform's
# MeshPolicy, the admission policy (CEL), the tenant roles, and `specmesh operator` as its
# ServiceAccount. Tenant A runs a data product; every attack by tenant B (and by A on itself) is
# refused where docs/security.md says — at admission, by the operator's condition, by the CLI —
# and A's topics, ACLs, subjects and quota are byte-for-byte unchanged, read back with Kafka's
# tools and the registry's REST API. A user without the editor role cannot create a DataProduct.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
root=$(cd "$here/../.." && pwd)
run=t$$$RANDOM
T=e2e.$run                      # the tenants' common root: e2e.<run>
A=$T.olympia.bigdatalondon      # tenant A's product
nsA=ten-a-$run nsB=ten-b-$run   # never finish deleting without a controller-manager: per run
work=$(mktemp -d)
op_pid=

forget_dps() {
        local o
        for o in $(kube_admin get dp -n "$1" -o name 2>/dev/null); do
                kube_admin patch -n "$1" "$o" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
                kube_admin delete -n "$1" "$o" --wait=false >/dev/null 2>&1 || true
        done
}
cleanup() {
        [ -z "$op_pid" ] || { kill -TERM "$op_pid" 2>/dev/null || true; wait "$op_pid" 2>/dev/null || true; }
        forget_dps "$nsA"
        forget_dps "$nsB"
        kube_admin delete meshpolicy "tenancy-$run" --ignore-not-found >/dev/null 2>&1 || true
        kube_admin delete validatingadmissionpolicybinding "tenancy-$run" --ignore-not-found >/dev/null 2>&1 || true
        local d
        e2e_forget_domain "$A" "$T.olympia" "$T.hammersmith" "$T"
        [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

cond() { kube_admin get dp -n "$1" "$2" -o jsonpath="{.status.conditions[?(@.type==\"Ready\")].$3}"; }
reason_is() { [ "$(cond "$1" "$2" reason)" = "$3" ]; }
as_a() { kube_admin --as="alice-$run" "$@"; }
as_b() { kube_admin --as="bob-$run" "$@"; }

# Everything of A that a tenant could hurt, as text: topics with partitions, replicas and
# configs; ACL bindings; subjects with versions, ids, schemas and levels (A's, and any under
# tenant B's domain: B's refused products must make none); the quota. The parent domain's own
# resources (made by the CLI's legitimate apply below) are not A's.
snapshot() {
        kafka_topics --describe --topic "${A//./\\.}\\..*" 2>/dev/null | sed 's/\tLeader:.*//' | sort
        kafka_acls --list 2>/dev/null | python3 "$E2E_DIR/acl_lines.py" "$A" | sort
        kafka_acls --list 2>/dev/null | python3 "$E2E_DIR/acl_lines.py" "$T.hammersmith" | sort
        kafka_configs --describe --entity-type users --entity-name "$A" 2>/dev/null
        local s
        for s in $(curl -sf "$SPECMESH_REGISTRY_URL/subjects?limit=100000" | python3 -c 'import json,sys; [print(s) for s in sorted(json.load(sys.stdin))]' | grep -E "^(${A//./\\.}|${T//./\\.}\\.hammersmith)\\."); do
                echo "$s $(curl -sf "$SPECMESH_REGISTRY_URL/subjects/$s/versions") $(curl -sf "$SPECMESH_REGISTRY_URL/subjects/$s/versions/latest") $(curl -s "$SPECMESH_REGISTRY_URL/config/$s")"
        done
}
unchanged() { # WHAT: A's state is byte-for-byte the baseline
        snapshot >"$work/now.txt"
        if ! diff "$work/base.txt" "$work/now.txt" >"$work/diff.txt"; then
                cat "$work/diff.txt"
                t_fail "$1: tenant A's resources changed"
        fi
        T_CHECKS=$((T_CHECKS + 1))
        echo "ok: $1: A's topics, ACLs, subjects and quota unchanged"
}
# refused_at_admission WHO FILE REGEX: kubectl apply as WHO is refused with REGEX
refused_at_admission() {
        local out
        if out=$("$1" apply -f "$2" 2>&1); then
                t_fail "admitted: $2"
        fi
        t_assert_match "$out" "$3" "admission refuses $(basename "$2" .yaml)"
}
dp() { # NAME NS ID [extra spec lines] -> file
        local f=$work/$1-$2.yaml
        cat >"$f" <<Y
apiVersion: specmesh.io/v1alpha1
kind: DataProduct
metadata: {name: $1, namespace: $2}
spec:
${4:-}
  asyncapi:
    asyncapi: 2.6.0
    id: '$3'
    info: {title: t, version: '1'}
    channels:
      _public/attendee:
        bindings: {kafka: {partitions: ${5:-2}}}
        publish:
          message:
            payload: {type: object, title: attendee, properties: {id: {type: string}}}
      _protected/purchase:
        bindings: {kafka: {partitions: 1, configs: {retention.ms: '86400000'}}}
        publish:
          tags: [{name: 'grant-access:$T.hammersmith'}]
          message:
            payload: {type: object, properties: {sku: {type: string}}}
Y
        echo "$f"
}

step "the platform: CRDs, the operator's RBAC, tenant roles, admission policy, a MeshPolicy"
kube_admin apply -f "$root/crds/dataproducts.specmesh.io.yaml" -f "$root/crds/meshpolicies.specmesh.io.yaml" >/dev/null
kube_admin wait --for=condition=Established crd/dataproducts.specmesh.io crd/meshpolicies.specmesh.io --timeout=30s >/dev/null
kube_admin apply -f "$root/deploy/00-namespace.yaml" -f "$root/deploy/10-serviceaccount.yaml" \
        -f "$root/deploy/20-rbac.yaml" -f "$root/deploy/60-tenant-roles.yaml" >/dev/null
# the policy of deploy/, bound only to this run's namespaces (other suites share the stack)
python3 -c 'import sys; print(open(sys.argv[1]).read().split("\n---\n")[0])' "$root/deploy/50-admission.yaml" |
        kube_admin apply -f - >/dev/null
cat <<Y | kube_admin apply -f - >/dev/null
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: tenancy-$run}
spec:
  policyName: specmesh-dataproducts
  validationActions: [Deny]
  matchResources:
    namespaceSelector: {matchLabels: {specmesh.io/e2e-tenancy: "$run"}}
---
apiVersion: specmesh.io/v1alpha1
kind: MeshPolicy
metadata: {name: tenancy-$run}
spec:
  claims:
    - {namespaces: [$nsA], domains: [$T.olympia]}
    - {namespaces: [$nsB], domains: [$T.hammersmith]}
  principals: {allowOverride: true, allowed: ["User:$T.olympia.*"], reserved: [User:admin]}
  topics: {partitions: {max: 12}}
Y
for n in "$nsA:$T.olympia:alice" "$nsB:$T.hammersmith:bob"; do
        IFS=: read -r ns dom user <<<"$n"
        kube_admin create namespace "$ns" >/dev/null
        kube_admin label namespace "$ns" "specmesh.io/e2e-tenancy=$run" >/dev/null
        kube_admin annotate namespace "$ns" "specmesh.io/domains=$dom" >/dev/null
        kube_admin create rolebinding editors -n "$ns" --clusterrole=dataproduct-editor --user="$user-$run" >/dev/null
done
kube_admin create rolebinding viewers -n "$nsA" --clusterrole=dataproduct-viewer --user="carol-$run" >/dev/null

step "RBAC: editors may create DataProducts in their namespace only; a viewer may not"
can() { kube_admin auth can-i "$@" 2>/dev/null || true; }
editor_bound() { [ "$(can create dataproducts.specmesh.io -n "$nsA" --as="alice-$run")" = yes ]; }
wait_for 10 "the editor binding" editor_bound
t_assert_eq "$(can create dataproducts.specmesh.io -n "$nsA" --as="alice-$run")" yes "alice edits in $nsA"
t_assert_eq "$(can create dataproducts.specmesh.io -n "$nsB" --as="alice-$run")" no "alice not in $nsB"
t_assert_eq "$(can create dataproducts.specmesh.io -n "$nsA" --as="carol-$run")" no "a viewer cannot create"
t_assert_eq "$(can list dataproducts.specmesh.io -n "$nsA" --as="carol-$run")" yes "a viewer can read"
t_assert_eq "$(can patch dataproducts.specmesh.io --subresource=status -n "$nsA" --as="alice-$run")" no "no tenant writes status"
t_assert_eq "$(can create meshpolicies.specmesh.io --as="alice-$run")" no "no tenant writes MeshPolicies"
out=$(kube_admin --as="carol-$run" apply -f "$(dp bdl "$nsA" "urn:${A//./:}")" 2>&1 || true)
t_assert_match "$out" "forbidden" "carol's create is forbidden"

step "tenant A's product, by alice, through the operator -> Ready"
"$SM" operator --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" --resync 8 --metrics-addr 127.0.0.1:18091 \
        >"$work/operator.log" 2>&1 &
op_pid=$!
as_a apply -f "$(dp bdl "$nsA" "urn:${A//./:}" '  quotas: {producerByteRate: 1048576}')" >/dev/null
kube_admin wait --for=condition=Ready dp/bdl -n "$nsA" --timeout=90s >/dev/null ||
        { cat "$work/operator.log"; kube_admin get dp -n "$nsA" bdl -o yaml; t_fail "A not Ready"; }
t_assert_eq "$(kafka_partitions "$A._public.attendee")" 2 "A's topic"
t_assert_eq "$(kafka_acls_of "$A" | wc -l)" 14 "A's ACL bindings (with B's grant)"
t_assert_eq "$(registry_latest_version "$A._public.attendee-value")" 1 "A's subject"
snapshot >"$work/base.txt"
grep -q "$A._public.attendee" "$work/base.txt" || t_fail "the snapshot sees A's topics"

step "admission refuses what CEL can see (tenant B)"
refused_at_admission as_b "$(dp parent "$nsB" "urn:$(tr . : <<<"$T.olympia")")" "may not claim domain $T.olympia"
refused_at_admission as_b "$(dp root "$nsB" "urn:e2e")" "may not claim domain e2e"
refused_at_admission as_b "$(dp pub "$nsB" "urn:$(tr . : <<<"$T.hammersmith"):_public")" "_public, _protected, _private"
refused_at_admission as_b "$(dp star "$nsB" "urn:$(tr . : <<<"$T.hammersmith")" '  principal: "User:*"')" "wildcard or ANONYMOUS"
refused_at_admission as_b "$(dp anon "$nsB" "urn:$(tr . : <<<"$T.hammersmith")" '  principal: User:ANONYMOUS')" "wildcard or ANONYMOUS"
cp "$work/bdl-$nsA.yaml" "$work/move.yaml"
sed -i "s/id: 'urn:[^']*'/id: 'urn:$(tr . : <<<"$T.olympia.other")'/" "$work/move.yaml"
refused_at_admission as_a "$work/move.yaml" "immutable"

step "the operator refuses what admission lets through: PolicyViolation, DomainConflict, InvalidSpec"
B=urn:$(tr . : <<<"$T.hammersmith")
# the policy allows overrides to User:<olympia...> only: B acting as A's principal passes the
# policy and is a PrincipalConflict (A's product uses it); any other override is refused.
# Each claims its own domain under B's: a claim of B's root would also clash with the others'
# (domains are a tree) and, created in the same second as one of them, lose to the smaller name
as_b apply -f "$(dp steal "$nsB" "$B:steal" "  principal: User:$A")" >/dev/null
as_b apply -f "$(dp other "$nsB" "$B:other" "  principal: User:$T.elsewhere")" >/dev/null
as_b apply -f "$(dp wide "$nsB" "$B:wide" '' 100)" >/dev/null
cat >"$work/rec.yaml" <<Y
apiVersion: specmesh.io/v1alpha1
kind: DataProduct
metadata: {name: rec, namespace: $nsB}
spec:
  asyncapi:
    asyncapi: 2.6.0
    id: '$B:rec'
    channels:
      _public/x:
        publish:
          message:
            bindings: {kafka: {schemaLookupStrategy: RecordNameStrategy}}
            payload: {type: object, title: '$A._public.attendee-value'}
Y
as_b apply -f "$work/rec.yaml" >/dev/null
# tenant A claims the parent of its own product: the tree makes that a conflict
as_a apply -f "$(dp parent "$nsA" "urn:$(tr . : <<<"$T.olympia")")" >/dev/null
wait_for 30 "steal: PrincipalConflict" reason_is "$nsB" steal PrincipalConflict
t_assert_match "$(cond "$nsB" steal message)" "principal User:$A is used by DataProduct $nsA/bdl" "steal names the product that uses the principal"
wait_for 30 "other: PolicyViolation" reason_is "$nsB" other PolicyViolation
t_assert_match "$(cond "$nsB" other message)" "rule principals.allowOverride: principal User:$T.elsewhere" "other names the rule"
wait_for 30 "wide: PolicyViolation" reason_is "$nsB" wide PolicyViolation
t_assert_match "$(cond "$nsB" wide message)" "rule topics.partitions.max: .*100 is above the maximum 12, at channels._public/attendee.bindings.kafka.partitions" "wide names rule and field"
wait_for 30 "rec: InvalidSpec" reason_is "$nsB" rec InvalidSpec
t_assert_match "$(cond "$nsB" rec message)" "RecordNameStrategy: record name '$A._public.attendee-value'.*outside domain" "rec names the record"
wait_for 30 "parent: DomainConflict" reason_is "$nsA" parent DomainConflict
t_assert_match "$(cond "$nsA" parent message)" "overlaps domain $A of DataProduct $nsA/bdl" "the conflict names the other product"
sleep 9 # one more resync of every product
unchanged "after the operator's refusals"
t_assert_eq "$(kafka_topics --list | grep -c "^$T.hammersmith" || true)" 0 "B's refused products made no topic"

step "the CLI refuses the same, and never touches a longer domain even with --prune"
cat >"$work/cli-parent.yaml" <<Y
asyncapi: 2.6.0
id: 'urn:$(tr . : <<<"$T.olympia")'
channels:
  _public/own:
    publish: {message: {payload: {type: string}}}
Y
"$SM" plan "$work/cli-parent.yaml" --prune -o json >"$work/plan.json" || true
t_assert_eq "$(python3 -c 'import json,sys; print(sum(1 for c in json.load(open(sys.argv[1]))["changes"] if sys.argv[2] in json.dumps(c)))' "$work/plan.json" "$A.")" 0 \
        "the parent's plan has no change on $A"
"$SM" apply "$work/cli-parent.yaml" --prune >"$work/apply.txt" 2>&1 || { cat "$work/apply.txt"; t_fail "the parent's own apply"; }
t_assert_match "$(kafka_partitions "$T.olympia._public.own")" '^[0-9]+$' "the parent's own topic exists"
unchanged "after a parent's apply --prune"
printf 'kind: DataProduct\nspec:\n  principal: "User:*"\n  asyncapi: {asyncapi: 2.6.0, id: "%s"}\n' "$B" >"$work/cli-star.yaml"
rc=0
"$SM" apply "$work/cli-star.yaml" >"$work/star.txt" 2>&1 || rc=$?
t_assert_eq "$rc" 1 "apply with User:* exits 1"
t_assert_match "$(cat "$work/star.txt")" "principal 'User:\*' is not allowed" "and says why"
# a product named after the user specmesh connects as would put ACLs and a quota on it
self_user=$(sed -n 's/^sasl.username=//p' "$SPECMESH_KAFKA_CONFIG")
printf 'asyncapi: 2.6.0\nid: "urn:%s"\nchannels:\n  _public/x:\n    publish: {message: {payload: {type: string}}}\n' "$self_user" >"$work/cli-self.yaml"
rc=0
"$SM" apply "$work/cli-self.yaml" >"$work/self.txt" 2>&1 || rc=$?
t_assert_eq "$rc" 1 "apply as specmesh's own Kafka user ($self_user) exits 1"
t_assert_match "$(cat "$work/self.txt")" "is the user specmesh itself connects to Kafka as" "and says why"
t_assert_eq "$(kafka_acls_of "$self_user" | wc -l)" 0 "no ACL binding was made for $self_user's domain"
kube_admin get meshpolicy "tenancy-$run" -o json >"$work/policy.json"
rc=0
"$SM" validate --policy "$work/policy.json" "$work/wide-$nsB.yaml" >"$work/val.txt" 2>&1 || rc=$?
t_assert_eq "$rc" 1 "validate --policy with the cluster's MeshPolicy exits 1"
t_assert_match "$(cat "$work/val.txt")" "rule topics.partitions.max" "the CLI names the same rule"
unchanged "at the end"
t_done
