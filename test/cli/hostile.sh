#!/usr/bin/env bash
# Hostile input through the real binary (docs/security.md): a FIFO behind a schema $ref does
# not hang `validate`; a newline in a field cannot forge a diagnostic line or a plan line; a
# manifest next to schema files does not read them.
set -uo pipefail
sm=$1
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
fail=0
mkfifo "$tmp/fifo.avsc"
printf 'asyncapi: 2.6.0\nid: urn:a:b\nchannels:\n  _public/x:\n    publish:\n      message:\n        payload: {$ref: fifo.avsc}\n' >"$tmp/fifo.yaml"
out=$(timeout 10 "$sm" validate "$tmp/fifo.yaml" 2>&1)
rc=$?
if [ $rc != 1 ] || ! grep -q "not a regular file" <<<"$out"; then
        echo "FAIL fifo: rc=$rc (124 = hung) $out"; fail=1
fi
printf 'asyncapi: 2.6.0\nid: "urn:a\\nforged.yaml:1:1: error: forged"\n' >"$tmp/forge.yaml"
out=$("$sm" validate "$tmp/forge.yaml" 2>&1)
if [ "$(wc -l <<<"$out")" != 1 ] || grep -q "^forged" <<<"$out"; then
        echo "FAIL a newline in the id forged a diagnostic line: $out"; fail=1
fi
cat >"$tmp/cfg.yaml" <<'Y'
asyncapi: 2.6.0
id: urn:a:b
channels:
  _public/x:
    bindings:
      kafka:
        configs:
          retention.ms: "1\n  - topic a.b._public.victim\n"
    publish:
      message: {payload: {type: string}}
Y
"$sm" plan --offline "$tmp/cfg.yaml" >"$tmp/plan.txt" 2>&1
if grep -q "^  - topic" "$tmp/plan.txt" || ! grep -q 'retention.ms = "1\\n  - topic' "$tmp/plan.txt"; then
        echo "FAIL a config value forged a plan line:"; cat "$tmp/plan.txt"; fail=1
fi
# --policy: the CLI catches in CI what the operator would refuse
cat >"$tmp/policy.yaml" <<'Y'
apiVersion: specmesh.io/v1alpha1
kind: MeshPolicy
metadata: {name: platform}
spec:
  claims: [{namespaces: [team-a], domains: [a]}]
  topics: {partitions: {max: 4}}
  deletion: {allowDelete: false}
Y
cat >"$tmp/big.yaml" <<'Y'
kind: DataProduct
spec:
  deletionPolicy: Delete
  asyncapi:
    asyncapi: 2.6.0
    id: urn:a:b
    channels:
      _public/x:
        bindings: {kafka: {partitions: 64}}
        publish: {message: {payload: {type: string}}}
Y
out=$("$sm" plan --offline --policy "$tmp/policy.yaml" "$tmp/big.yaml" 2>&1)
rc=$?
if [ $rc != 1 ] || ! grep -q "rule topics.partitions.max: .*64 is above the maximum 4, at channels._public/x.bindings.kafka.partitions" <<<"$out" ||
        ! grep -q "rule deletion.allowDelete" <<<"$out"; then
        echo "FAIL --policy: rc=$rc $out"; fail=1
fi
"$sm" validate "$tmp/big.yaml" >/dev/null 2>&1 || { echo "FAIL without --policy the spec is valid"; fail=1; }
sed 's/id: urn:a:b/id: urn:z:b/' "$tmp/big.yaml" >"$tmp/other.yaml"
out=$("$sm" validate --policy "$tmp/policy.yaml" "$tmp/other.yaml" 2>&1)
grep -q "rule claims: no namespace may claim domain z.b" <<<"$out" ||
        { echo "FAIL a domain no claim covers"; fail=1; }
printf 'kind: DataProduct\nspec:\n  principal: User:a.c\n  asyncapi: {asyncapi: 2.6.0, id: "urn:a:b"}\n' >"$tmp/steal.yaml"
out=$("$sm" validate "$tmp/steal.yaml" 2>&1)
if [ $? != 1 ] || ! grep -q "rule principals.allowOverride" <<<"$out"; then
        echo "FAIL another principal without a policy that allows it: $out"; fail=1
fi
# two products acting as one principal (each would get the other's grants): the later file is
# an error naming the first, as the operator's PrincipalConflict
printf 'apiVersion: specmesh.io/v1alpha1\nkind: MeshPolicy\nmetadata: {name: p}\nspec:\n  claims: [{namespaces: ["*"], domains: [a]}]\n  principals: {allowOverride: true, allowed: [\"User:a.*\"]}\n' >"$tmp/override.yaml"
printf 'kind: DataProduct\nspec:\n  asyncapi: {asyncapi: 2.6.0, id: "urn:a:x"}\n' >"$tmp/x.yaml"
printf 'kind: DataProduct\nspec:\n  principal: User:a.x\n  asyncapi: {asyncapi: 2.6.0, id: "urn:a:y"}\n' >"$tmp/y.yaml"
printf 'kind: DataProduct\nspec:\n  principal: User:a.q\n  asyncapi: {asyncapi: 2.6.0, id: "urn:a:y"}\n' >"$tmp/q.yaml"
out=$("$sm" validate --policy "$tmp/override.yaml" "$tmp/x.yaml" "$tmp/y.yaml" 2>&1)
if [ $? != 1 ] || ! grep -q "y.yaml: error: principal 'User:a.x' is also the principal of $tmp/x.yaml (domain a.x)" <<<"$out" ||
        grep -q "^ok: $tmp/y.yaml" <<<"$out" || ! grep -q "^ok: $tmp/x.yaml" <<<"$out"; then
        echo "FAIL a shared principal across files: $out"; fail=1
fi
out=$("$sm" validate --policy "$tmp/override.yaml" "$tmp/x.yaml" "$tmp/q.yaml" 2>&1) ||
        { echo "FAIL distinct principals are valid: $out"; fail=1; }
[ $fail = 0 ] && echo "ok: FIFO refused without hanging; no forged diagnostic or plan lines; --policy enforced; one principal per product"
exit $fail
