#!/usr/bin/env bash
# End-to-end: pkg/registry against the real schema registry (Apicurio Registry's ccompat API).
# Drives the client through test/tools/registry_probe (observe -> derive ops -> registry_apply)
# and checks every outcome independently with curl on the REST API:
#   AVRO, JSON and PROTOBUF subjects registered, each with its own FULL_TRANSITIVE level;
#   a subject outside the domain is observed when named (RecordNameStrategy);
#   re-applying the same schemas registers nothing (plan empty, and a forced re-register of
#   identical text keeps version 1);
#   a compatible AVRO change -> version 2; an incompatible one (new field without default under
#   FULL_TRANSITIVE) is refused with the registry's reasons, in dry run and for real, and the
#   version stays 2; a level change is applied; delete removes the subjects.
# Cleans up the subjects it made, also on failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ -z "${SPECMESH_REGISTRY_URL:-}" ]; then
        eval "$("$root/e2e/stack/env")"
fi
URL=${SPECMESH_REGISTRY_URL:?}
PROBE=${REGISTRY_PROBE:-$(dirname "${SPECMESH_BIN:-$root/build/specmesh}")/registry_probe}
[ -x "$PROBE" ] || { echo "FAIL: no registry_probe at $PROBE (set REGISTRY_PROBE)"; exit 1; }

D=e2e.registry$$
AV=$D._public.attendee-value
JS=$D._public.attendee-key
PB=$D._private.visit-value
REC=e2e.records$$.Attendee # RecordNameStrategy: outside the domain, named by the spec
work=$(mktemp -d)

say() { echo "--- $*"; }
fail() { echo "FAIL: $*"; exit 1; }
check_eq() { # got want what
        [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
        echo "ok: $3 = $2"
}
# curl on the registry; prints the body, never fails the script
rc_get() { curl -s -m 10 "$URL$1" || true; }
versions() { rc_get "/subjects/$1/versions" | jq -c . 2>/dev/null || echo "?"; }
level() { rc_get "/config/$1" | jq -r '.compatibilityLevel // .compatibility // "none"'; }

cleanup() {
        for s in "$AV" "$JS" "$PB" "$REC"; do
                curl -s -m 10 -o /dev/null -X DELETE "$URL/subjects/$s" || true
                curl -s -m 10 -o /dev/null -X DELETE "$URL/subjects/$s?permanent=true" || true
        done
        rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/v1.avsc" <<'EOF'
{"type":"record","name":"Attendee","namespace":"e2e","fields":[{"name":"id","type":"string"}]}
EOF
cat >"$work/v2.avsc" <<'EOF'
{"type":"record","name":"Attendee","namespace":"e2e","fields":[{"name":"id","type":"string"},{"name":"email","type":["null","string"],"default":null}]}
EOF
cat >"$work/v3.avsc" <<'EOF'
{"type":"record","name":"Attendee","namespace":"e2e","fields":[{"name":"id","type":"string"},{"name":"email","type":["null","string"],"default":null},{"name":"age","type":"int"}]}
EOF
cat >"$work/key.json" <<'EOF'
{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"id":{"type":"string"}},"required":["id"]}
EOF
cat >"$work/visit.proto" <<'EOF'
syntax = "proto3";
package e2e;

message Visit {
  string attendee_id = 1;
  int64 at = 2;
}
EOF

ALL=("$AV=AVRO:FULL_TRANSITIVE:$work/v1.avsc" "$JS=JSON:FULL_TRANSITIVE:$work/key.json"
        "$PB=PROTOBUF:FULL_TRANSITIVE:$work/visit.proto" "$REC=AVRO:FULL_TRANSITIVE:$work/v1.avsc")

say "registry $URL reachable"
rc_get /subjects | jq -e 'type == "array"' >/dev/null || fail "GET /subjects is not a JSON array"

say "create AVRO, JSON, PROTOBUF subjects with FULL_TRANSITIVE"
"$PROBE" apply "$D" "${ALL[@]}" | tee "$work/out1"
check_eq "$(head -1 "$work/out1")" "ops: 4" "ops for a fresh domain"
check_eq "$(grep -c ' done$' "$work/out1")" 4 "ops done"
for s in "$AV" "$JS" "$PB" "$REC"; do
        check_eq "$(versions "$s")" "[1]" "versions of $s"
        check_eq "$(level "$s")" FULL_TRANSITIVE "compatibility of $s"
done
check_eq "$(rc_get "/subjects/$JS/versions/latest" | jq -r .schemaType)" JSON "schemaType of $JS"
check_eq "$(rc_get "/subjects/$PB/versions/latest" | jq -r .schemaType)" PROTOBUF "schemaType of $PB"
check_eq "$(rc_get "/subjects/$AV/versions/latest" | jq -r '.schemaType // "AVRO"')" AVRO \
        "schemaType of $AV"

say "observe: the domain's subjects plus the named one, with versions and levels"
"$PROBE" observe "$D" "$REC" | tee "$work/obs"
check_eq "$(wc -l <"$work/obs" | tr -d ' ')" 4 "observed subjects"
grep -qx "$PB PROTOBUF 1 [0-9]* FULL_TRANSITIVE" "$work/obs" || fail "observe line for $PB"
grep -qx "$JS JSON 1 [0-9]* FULL_TRANSITIVE" "$work/obs" || fail "observe line for $JS"
grep -q "^$REC AVRO 1 " "$work/obs" || fail "the named subject outside the domain is observed"
"$PROBE" observe "$D" | grep -q "^$REC " && fail "a subject outside the domain was observed"
echo "ok: observe"

say "re-apply the same schemas: nothing to do, nothing registered"
"$PROBE" apply "$D" "${ALL[@]}" | tee "$work/out2"
check_eq "$(head -1 "$work/out2")" "ops: 0" "ops on re-apply"
"$PROBE" apply --force "$D" "${ALL[@]}" | tee "$work/out3"
check_eq "$(grep -c ' done$' "$work/out3")" 4 "forced re-registers of identical schemas"
for s in "$AV" "$JS" "$PB" "$REC"; do
        check_eq "$(versions "$s")" "[1]" "versions of $s after re-register"
done

say "compatible AVRO change (optional field with default) -> version 2"
"$PROBE" apply "$D" "$AV=AVRO:FULL_TRANSITIVE:$work/v2.avsc" | tee "$work/out4"
grep -q "^update+schema $AV done$" "$work/out4" || fail "compatible change not applied"
check_eq "$(versions "$AV")" "[1,2]" "versions of $AV"

say "incompatible AVRO change (required field without default), dry run: refused"
rc=0
"$PROBE" apply --dry-run "$D" "$AV=AVRO:FULL_TRANSITIVE:$work/v3.avsc" >"$work/out5" 2>&1 || rc=$?
cat "$work/out5"
check_eq "$rc" 1 "exit code of a refused dry run"
# (Apicurio's check endpoint gives no reasons, so a dry run can only say that it refuses)
grep -q "subject '$AV': schema is incompatible with version 2" "$work/out5" ||
        fail "no refusal"
check_eq "$(versions "$AV")" "[1,2]" "versions of $AV after dry run"

say "incompatible AVRO change, for real: refused with the registry's reasons"
rc=0
"$PROBE" apply "$D" "$AV=AVRO:FULL_TRANSITIVE:$work/v3.avsc" >"$work/out6" 2>&1 || rc=$?
cat "$work/out6"
check_eq "$rc" 1 "exit code of a refused change"
# the reasons name the offending field (Apicurio: "[age at /fields/2]"; Confluent:
# READER_FIELD_MISSING_DEFAULT_VALUE ... 'age')
grep -q "^update+schema $AV failed subject '$AV': schema is incompatible with version 2: .*age" \
        "$work/out6" || fail "no refusal with the registry's reasons"
check_eq "$(versions "$AV")" "[1,2]" "versions of $AV after the refusal"

say "change the level of one subject"
"$PROBE" apply "$D" "$JS=JSON:BACKWARD:$work/key.json" | tee "$work/out7"
grep -q "^update+compatibility $JS done$" "$work/out7" || fail "level change not applied"
check_eq "$(level "$JS")" BACKWARD "compatibility of $JS"
check_eq "$(versions "$JS")" "[1]" "versions of $JS after a level change"

say "delete"
"$PROBE" apply "$D" "-$AV" "-$JS" "-$PB" "-$REC" | tee "$work/out8"
check_eq "$(grep -c '^delete .* done$' "$work/out8")" 4 "deletes done"
for s in "$AV" "$JS" "$PB" "$REC"; do
        rc_get /subjects | jq -e --arg s "$s" 'any(.[]; . == $s) | not' >/dev/null ||
                fail "$s still listed"
        code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$URL/subjects/$s/versions")
        check_eq "$code" 404 "GET versions of deleted $s"
done
"$PROBE" apply "$D" "-$AV" | tee "$work/out9"
check_eq "$(head -1 "$work/out9")" "ops: 0" "ops for deleting what is gone"
echo "PASS 40_registry"
