#!/usr/bin/env bash
# Schema references through the real binary: the plan of a document whose schemas reference
# other files lists each referenced file as its own subject (inside the domain), before its
# users, with a `references` list in JSON; `manifest` embeds the referenced files, so the
# DataProduct plans exactly like the document.
set -uo pipefail
sm=$1 fixtures=$2
cd "$fixtures/asyncapi" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
"$sm" plan --offline refs/asyncapi.yaml >"$tmp/plan.txt"
[ $? = 2 ] || { echo "FAIL plan exit code"; fail=1; }
grep -q "+ subject acme.pay._public.Money (AVRO" "$tmp/plan.txt" || { echo "FAIL no Money subject"; fail=1; }
money=$(grep -n "subject acme.pay._public.Money " "$tmp/plan.txt" | cut -d: -f1)
pay=$(grep -n "subject acme.pay._public.payments-value " "$tmp/plan.txt" | cut -d: -f1)
[ -n "$money" ] && [ -n "$pay" ] && [ "$money" -lt "$pay" ] || { echo "FAIL Money not before its user"; fail=1; }
"$sm" plan --offline -o json refs/asyncapi.yaml >"$tmp/plan.json"
grep -q '"subject": "acme.pay._public.money.proto"' "$tmp/plan.json" ||
        { echo "FAIL no protobuf reference in the JSON plan"; fail=1; }
"$sm" manifest refs/asyncapi.yaml --name pay >"$tmp/dp.yaml" || { echo "FAIL manifest"; fail=1; }
grep -q 'acme.pay.Money.avsc' "$tmp/dp.yaml" || { echo "FAIL referenced file not embedded"; fail=1; }
diff <(cd "$tmp" && "$sm" plan --offline -o json dp.yaml) <("$sm" plan --offline -o json refs/asyncapi.yaml) ||
        { echo "FAIL the manifest plans differently from the document"; fail=1; }
[ $fail = 0 ] && echo "ok: references planned first, embedded by manifest"
exit $fail
