#!/usr/bin/env bash
# The registry is real: a subject registered through its Confluent-compatible API reads back.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
subject=smoke.registry.s$$-value
trap 'curl -sf -X DELETE "$SPECMESH_REGISTRY_URL/subjects/$subject" >/dev/null; curl -sf -X DELETE "$SPECMESH_REGISTRY_URL/subjects/$subject?permanent=true" >/dev/null || true' EXIT

step "register an AVRO schema"
schema='{"type":"record","name":"Smoke","fields":[{"name":"id","type":"long"}]}'
body=$(python3 -c 'import json,sys; print(json.dumps({"schema": sys.argv[1]}))' "$schema")
id=$(curl -sf -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
        --data "$body" "$SPECMESH_REGISTRY_URL/subjects/$subject/versions" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
t_assert_match "$id" '^[0-9]+$' "registration returns an id ($id)"

step "read it back"
t_assert_eq "$(registry_latest_version "$subject")" 1 "latest version"
got=$(curl -sf "$SPECMESH_REGISTRY_URL/subjects/$subject/versions/latest" | python3 -c 'import json,sys; print(json.dumps(json.loads(json.load(sys.stdin)["schema"]), sort_keys=True))')
want=$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1]), sort_keys=True))' "$schema")
t_assert_eq "$got" "$want" "schema text"
# Apicurio lists 1,000 subjects unless asked for more
curl -sf "$SPECMESH_REGISTRY_URL/subjects?limit=100000" | grep -q "$subject" || t_fail "subject not listed"
t_done
