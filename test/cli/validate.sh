#!/usr/bin/env bash
# `specmesh validate` through the real binary: the examples are valid (exit 0, one summary
# line each); every broken fixture exits 1 with exactly the diagnostics in its .err golden
# file (file:line:column, message and field path). Regenerate a golden after an intended
# change with:  (cd test/fixtures/asyncapi && specmesh validate broken/X.yaml 2> broken/X.err)
set -uo pipefail
sm=$1 fixtures=$2
cd "$fixtures/asyncapi" || exit 1
fail=0
out=$("$sm" validate bigdatalondon/asyncapi.yaml v3-heathrow.yaml 2>&1)
rc=$?
if [ $rc != 0 ] || ! grep -q "ok: bigdatalondon/asyncapi.yaml (domain london.hammersmith.olympia.bigdatalondon: 3 topics, 14 ACLs, 3 subjects)" <<<"$out"; then
        echo "FAIL valid documents: rc=$rc"; echo "$out"; fail=1
fi
for doc in broken/*.yaml; do
        got=$("$sm" validate "$doc" 2>&1 >/dev/null)
        rc=$?
        if [ $rc != 1 ]; then
                echo "FAIL $doc: exit $rc, expected 1"; fail=1
        elif [ "$got" != "$(cat "${doc%.yaml}.err")" ]; then
                echo "FAIL $doc: diagnostics differ"; diff <(echo "$got") "${doc%.yaml}.err"; fail=1
        fi
done
# over the size cap: made here rather than committed (5 MiB)
tmp=$(mktemp -d)
{ printf "asyncapi: '2.5.0'\nid: 'urn:acme:shop'\nx-padding: '"; head -c 5242880 /dev/zero | tr '\0' p; printf "'\n"; } >"$tmp/too-large.yaml"
got=$("$sm" validate "$tmp/too-large.yaml" 2>&1 >/dev/null)
if [ "$got" != "$tmp/too-large.yaml:1:1: error: document is more than the 4194304 bytes allowed" ]; then
        echo "FAIL size cap: $got"; fail=1
fi
rm -rf "$tmp"
n=$(ls broken/*.yaml | wc -l)
[ $fail = 0 ] && echo "ok: $n broken documents give their exact diagnostics"
exit $fail
