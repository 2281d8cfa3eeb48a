#!/usr/bin/env bash
# `specmesh manifest`: the DataProduct it writes embeds the document and every schema it
# $refs, and loads back to exactly the same plan as the AsyncAPI file (round trip); an invalid
# document is refused.
set -uo pipefail
sm=$1 fixtures=$2
cd "$fixtures/asyncapi" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
"$sm" manifest bigdatalondon/asyncapi.yaml --name bigdatalondon --namespace events >"$tmp/dp.yaml" ||
        { echo "FAIL manifest exit $?"; exit 1; }
grep -q '^kind: DataProduct$' "$tmp/dp.yaml" || { echo "FAIL no kind"; fail=1; }
grep -q '^  namespace: events$' "$tmp/dp.yaml" || { echo "FAIL no namespace"; fail=1; }
grep -q '"/schema/london.hammersmith.olympia.bigdatalondon._public.attendee.avsc": |' "$tmp/dp.yaml" ||
        { echo "FAIL schema not embedded"; fail=1; }
# the manifest stands alone: no schema files next to it
diff <("$sm" plan --offline -o json "$tmp/dp.yaml") <("$sm" plan --offline -o json bigdatalondon/asyncapi.yaml) ||
        { echo "FAIL the manifest plans differently from the document"; fail=1; }
"$sm" manifest broken/bad-partitions.yaml --name x >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q "partitions must be" "$tmp/err" || { echo "FAIL invalid document not refused"; fail=1; }
[ $fail = 0 ] && echo "ok: manifest round-trips and refuses invalid documents"
exit $fail
