#!/usr/bin/env bash
# End-to-end: schemas as teams write them inline, against the real registry.
#   bare inline JSON Schemas ({type: object}, {type: string}) register (the schema type is
#   sent explicitly: Apicurio cannot guess it from such content);
#   an inline Avro record and an inline Protobuf text register with their types;
#   a primitive key ({type: long}) gets no subject; an Avro message's primitive key is an Avro
#   primitive subject;
#   `x-specmesh-inline-schemas: false` leaves inline schemas out (the plan no longer declares
#   them: kept as orphans, deleted with --prune).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
D=e2e.forms
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

spec() { # INLINE(true|false)
        cat <<EOF
asyncapi: 2.6.0
id: urn:e2e:forms
x-specmesh-inline-schemas: $1
channels:
  _public/objects:
    publish:
      message:
        bindings: {kafka: {key: {type: long}}}
        payload: {type: object}
  _public/strings:
    publish:
      message:
        payload: {type: string}
  _public/avro:
    publish:
      message:
        schemaFormat: application/vnd.apache.avro+json;version=1.9.0
        bindings: {kafka: {key: {type: string}}}
        payload:
          type: record
          name: Reading
          namespace: e2e.forms
          fields: [{name: value, type: double}]
  _public/proto:
    publish:
      message:
        schemaFormat: application/vnd.google.protobuf;version=3
        payload: "syntax = \"proto3\";\nmessage Ping { string id = 1; }\n"
EOF
}
spec true >"$work/inline.yaml"
spec false >"$work/files-only.yaml"

step "apply: every bare inline schema registers"
"$SM" apply "$work/inline.yaml"
t_assert_eq "$(registry_schema_type $D._public.objects-value)" JSON "{type: object} registered as JSON"
t_assert_eq "$(registry_schema_type $D._public.strings-value)" JSON "{type: string} registered as JSON"
t_assert_eq "$(registry_schema_type $D._public.avro-value)" AVRO "inline Avro record"
t_assert_eq "$(registry_schema_type $D._public.proto-value)" PROTOBUF "inline Protobuf"
t_assert_eq "$(registry_latest_version $D._public.objects-key)" "" "primitive key: no subject"
t_assert_eq "$(registry_schema_type $D._public.avro-key)" AVRO "Avro primitive key"
t_assert_match "$(curl -sf "$SPECMESH_REGISTRY_URL/subjects/$D._public.avro-key/versions/latest")" \
        '"schema":"(\\"string\\"|\{\\"type\\":\\"string\\"\})"' "the Avro key is the primitive string"
rc=0
"$SM" plan "$work/inline.yaml" >/dev/null || rc=$?
t_assert_eq "$rc" 0 "second plan: no changes"

step "x-specmesh-inline-schemas: false declares no inline subject"
rc=0
"$SM" plan "$work/files-only.yaml" >"$work/plan.txt" || rc=$?
cat "$work/plan.txt"
t_assert_eq "$(grep -c "= subject $D" "$work/plan.txt")" 5 "the five inline subjects are orphans"
"$SM" apply --prune "$work/files-only.yaml" >/dev/null
t_assert_eq "$(registry_latest_version $D._public.objects-value)" "" "pruned"
t_done
