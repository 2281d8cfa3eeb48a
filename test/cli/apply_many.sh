#!/usr/bin/env bash
# `specmesh apply` of several products in one process refuses, before connecting to anything,
# a set it cannot apply as a whole: overlapping domains, a shared principal, one bad file, a
# directory without specs. (Applying a set is exercised against the real stack by
# e2e/tests/60_cli_reconcile.sh.) No connection settings: a refusal must not need one.
set -uo pipefail
sm=$1 fixtures=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset SPECMESH_KAFKA_CONFIG SPECMESH_BOOTSTRAP SPECMESH_REGISTRY_URL SPECMESH_REGISTRY_CONFIG
fail=0
expect() { # WHAT REGEX ARGS...: exit 1 and stderr matching REGEX
        local what=$1 re=$2 out rc
        shift 2
        out=$("$sm" apply "$@" 2>&1 >/dev/null)
        rc=$?
        if [ $rc != 1 ]; then echo "FAIL $what: exit $rc, expected 1"; fail=1; fi
        if ! grep -Eq "$re" <<<"$out"; then echo "FAIL $what: stderr does not match /$re/:"; echo "$out" | head -5; fail=1; fi
}
a=$fixtures/asyncapi/v3-heathrow.yaml
b=$fixtures/asyncapi/bigdatalondon/asyncapi.yaml
# a nested domain: london.heathrow.transport.cargo inside london.heathrow.transport
sed 's/urn:london:heathrow:transport/urn:london:heathrow:transport:cargo/' "$a" >"$work/cargo.yaml"
expect "nested domains" "cargo.yaml: domain london.heathrow.transport.cargo overlaps domain london.heathrow.transport of .*v3-heathrow.yaml.*nothing applied" "$a" "$work/cargo.yaml"
expect "the same file twice" "overlaps domain london.heathrow.transport" "$a" "$a"
# one invalid file among valid ones: named, nothing applied
cp "$fixtures/asyncapi/broken/bad-partitions.yaml" "$work/bad.yaml"
expect "a bad file" "bad.yaml is not valid: nothing applied" "$b" "$work/bad.yaml" "$a"
mkdir "$work/empty"
expect "an empty directory" "empty: no \*.yaml, \*.yml or \*.json file in it" "$work/empty"
expect "no file" "expected a FILE or DIR"
# valid and apart: the check passes and only the missing connection stops it
out=$("$sm" apply "$a" "$b" 2>&1 >/dev/null)
grep -q "no Kafka connection" <<<"$out" || { echo "FAIL two valid products: $out"; fail=1; }
exit $fail
