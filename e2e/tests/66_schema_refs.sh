#!/usr/bin/env bash
# End-to-end: schema references against the real registry (Apicurio's Confluent API).
#   an Avro record using a type from another file (e2e.refs.Money -> subject
#   e2e.refs._public.Money), shared by two topics, and a type outside the domain
#   (common.Address -> subject e2e.refs._public.common.Address);
#   a JSON Schema $ref to another file; a Protobuf import;
# each referenced file is its own subject, registered before its users, which carry a
# `references` list (checked with curl on the REST API); a second plan has no changes;
# `export` writes the schemas back as files that plan no changes; a compatible change to the
# shared type moves both users to its new version; a change that one user's level forbids
# (the type carries its users' strictest level) is refused with the registry's reason and
# nothing moves.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
D=e2e.refs
P=$D._public # where referenced subjects go (docs/schemas.md)
work=$(mktemp -d)
cleanup() {
        e2e_forget_domain $D
        rm -rf "$work"
}
trap cleanup EXIT
# only after a run that died half-way (each kafka-acls run of the clean-up is a JVM)
if kcat -F "$SPECMESH_KAFKA_CONFIG" -L 2>/dev/null | grep -qF "\"$D." ||
        curl -sf "$SPECMESH_REGISTRY_URL/subjects?limit=100000" | grep -qF "\"$D."; then
        cleanup >/dev/null 2>&1 || true
fi
work=$(mktemp -d)
mkdir -p "$work/spec/schema"
cd "$work/spec"

cat >asyncapi.yaml <<EOF
asyncapi: 2.6.0
id: urn:e2e:refs
info: {title: shared schema types, version: 1.0.0}
channels:
  _public/payments:
    publish:
      message:
        bindings: {kafka: {compatibility: NONE}}
        payload: {\$ref: schema/$D._public.Payment.avsc}
  _public/refunds:
    publish:
      message:
        payload: {\$ref: schema/$D._public.Refund.avsc}
  _public/orders:
    publish:
      message:
        payload: {\$ref: schema/order.json}
  _public/events:
    publish:
      message:
        payload: {\$ref: schema/event.proto}
EOF
cat >schema/$D._public.Payment.avsc <<EOF
{"type": "record", "name": "Payment", "namespace": "$D._public",
 "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "$D.Money"},
            {"name": "billing", "type": ["null", "common.Address"], "default": null}]}
EOF
cat >schema/$D._public.Refund.avsc <<EOF
{"type": "record", "name": "Refund", "namespace": "$D._public",
 "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "$D.Money"}]}
EOF
cat >schema/$D.Money.avsc <<EOF
{"type": "record", "name": "Money", "namespace": "$D",
 "fields": [{"name": "units", "type": "long"}, {"name": "currency", "type": "string"}]}
EOF
cat >schema/common.Address.avsc <<'EOF'
{"type": "record", "name": "Address", "namespace": "common",
 "fields": [{"name": "street", "type": "string"}, {"name": "city", "type": "string"}]}
EOF
cat >schema/order.json <<'EOF'
{"$schema": "http://json-schema.org/draft-07/schema#", "title": "Order", "type": "object",
 "properties": {"id": {"type": "string"}, "ship_to": {"$ref": "address.json"}}}
EOF
cat >schema/address.json <<'EOF'
{"$schema": "http://json-schema.org/draft-07/schema#", "title": "Address", "type": "object",
 "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}
EOF
cat >schema/event.proto <<'EOF'
syntax = "proto3";
package e2e.refs;

import "money.proto";

message Event {
  string id = 1;
  Money amount = 2;
}
EOF
cat >schema/money.proto <<'EOF'
syntax = "proto3";
package e2e.refs;

message Money {
  int64 units = 1;
  string currency = 2;
}
EOF

# refs SUBJECT: "name subject version" per reference of the latest version
refs() {
        curl -sf "$SPECMESH_REGISTRY_URL/subjects/$1/versions/latest" |
                python3 -c 'import json,sys; [print(r["name"], r["subject"], r["version"]) for r in json.load(sys.stdin).get("references") or []]'
}

step "plan: referenced subjects are their own changes, before their users"
rc=0
"$SM" plan asyncapi.yaml >"$work/plan.txt" || rc=$?
cat "$work/plan.txt"
t_assert_eq "$rc" 2 "plan exit code"
money=$(grep -n "subject $P.Money " "$work/plan.txt" | cut -d: -f1)
pay=$(grep -n "subject $D._public.payments-value" "$work/plan.txt" | cut -d: -f1)
[ -n "$money" ] && [ -n "$pay" ] && [ "$money" -lt "$pay" ] || t_fail "Money is not planned before payments"
grep -q "subject $P.common.Address (AVRO" "$work/plan.txt" || t_fail "no Address subject inside the domain"

step "apply: every subject registered, users with references"
"$SM" apply asyncapi.yaml
t_assert_eq "$(registry_latest_version $P.Money)" 1 "Money version"
t_assert_eq "$(refs $D._public.payments-value | tr '\n' ';')" \
        "$D.Money $P.Money 1;common.Address $P.common.Address 1;" "payments references"
t_assert_eq "$(refs $D._public.refunds-value)" "$D.Money $P.Money 1" "refunds shares Money"
t_assert_eq "$(refs $D._public.orders-value)" "address.json $P.address.json 1" "JSON \$ref to a file"
t_assert_eq "$(registry_schema_type $P.address.json)" JSON "address.json schemaType"
t_assert_eq "$(refs $D._public.events-value)" "money.proto $P.money.proto 1" "Protobuf import"
t_assert_eq "$(registry_schema_type $P.money.proto)" PROTOBUF "money.proto schemaType"
t_assert_eq "$(registry_compatibility $P.Money)" FULL_TRANSITIVE "Money takes its users' strictest level"

step "a second plan has no changes"
rc=0
"$SM" plan asyncapi.yaml >"$work/plan2.txt" || rc=$?
cat "$work/plan2.txt"
t_assert_eq "$rc" 0 "plan exit code after apply"

step "export writes the schemas back as files that plan no changes"
"$SM" export --domain $D -o "$work/export/asyncapi.yaml"
ls -R "$work/export"
[ -f "$work/export/schema/$D.Money.avsc" ] || t_fail "no exported Money file"
[ -f "$work/export/schema/$D._public.payments-value.avsc" ] || t_fail "no exported payments file"
[ -f "$work/export/schema/money.proto" ] || t_fail "no exported money.proto"
rc=0
"$SM" plan "$work/export/asyncapi.yaml" >"$work/plan3.txt" || rc=$?
cat "$work/plan3.txt"
t_assert_eq "$rc" 0 "plan of the export"
rc=0
"$SM" export --domain $D >/dev/null 2>"$work/export.err" || rc=$?
t_assert_eq "$rc" 1 "export of references without -o"
t_assert_match "$(cat "$work/export.err")" "give -o FILE" "export says why"

step "a compatible change to the shared type: every user follows it"
# a new field with a default: compatible under FULL_TRANSITIVE
cat >schema/$D.Money.avsc <<EOF
{"type": "record", "name": "Money", "namespace": "$D",
 "fields": [{"name": "units", "type": "long"}, {"name": "currency", "type": "string"},
            {"name": "scale", "type": "int", "default": 0}]}
EOF
rc=0
"$SM" plan asyncapi.yaml >"$work/plan4.txt" || rc=$?
cat "$work/plan4.txt"
t_assert_eq "$rc" 2 "plan exit code"
grep -q "subject $D._public.refunds-value .*new schema version" "$work/plan4.txt" ||
        t_fail "refunds is not planned to follow Money"
"$SM" apply asyncapi.yaml
t_assert_eq "$(registry_latest_version $P.Money)" 2 "Money version"
t_assert_eq "$(refs $D._public.payments-value | head -1)" "$D.Money $P.Money 2" "payments follows"
t_assert_eq "$(refs $D._public.refunds-value)" "$D.Money $P.Money 2" "refunds follows"
rc=0
"$SM" plan asyncapi.yaml >/dev/null || rc=$?
t_assert_eq "$rc" 0 "plan after the move"

step "a change to the shared type that breaks one user is refused with the registry's reason"
# a new field without a default: payments (NONE) would take it, refunds (FULL_TRANSITIVE) not;
# Money carries its users' strictest level, so the registry refuses it at Money itself
cat >schema/$D.Money.avsc <<EOF
{"type": "record", "name": "Money", "namespace": "$D",
 "fields": [{"name": "units", "type": "long"}, {"name": "currency", "type": "string"},
            {"name": "scale", "type": "int", "default": 0}, {"name": "note", "type": "string"}]}
EOF
rc=0
"$SM" apply asyncapi.yaml >"$work/apply5.txt" 2>&1 || rc=$?
cat "$work/apply5.txt"
t_assert_eq "$rc" 1 "apply exit code"
t_assert_match "$(cat "$work/apply5.txt")" "subject '$P.Money': schema is incompatible with version 2: .*note" \
        "the refusal names the shared type and the registry's reason"
t_assert_eq "$(registry_latest_version $P.Money)" 2 "Money stays at version 2"
t_assert_eq "$(refs $D._public.payments-value | head -1)" "$D.Money $P.Money 2" "payments stays"
t_assert_eq "$(refs $D._public.refunds-value)" "$D.Money $P.Money 2" "refunds stays"
t_done
