#!/usr/bin/env bash
# `specmesh catalogue` and `specmesh topology` over the examples: a directory is searched for
# specs (schema files beside them are skipped), a tag narrows the list, a manifest reads like
# its document, an invalid spec fails with its file:line, bad flags exit 1.
set -uo pipefail
sm=$1 fixtures=$2
examples=$fixtures/../../examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, command...
        local what=$1
        shift
        "$@" || { echo "FAIL $what"; fail=1; }
}
"$sm" catalogue "$examples" >"$tmp/all.json" || { echo "FAIL catalogue exit $?"; exit 1; }
check "three products" [ "$(grep -c '"domain":' "$tmp/all.json")" = 3 ]
check "no private topic" bash -c "! grep -q _private '$tmp/all.json'"
"$sm" catalogue --tag human "$examples" >"$tmp/human.json"
check "tag narrows to one" [ "$(grep -c '"domain":' "$tmp/human.json")" = 1 ]
"$sm" catalogue --q heathrow -o html "$examples" >"$tmp/q.html"
check "html search" grep -q '<p id="count">1 of 3 products</p>' "$tmp/q.html"
"$sm" catalogue -o backstage "$examples" >"$tmp/bs.yaml"
check "backstage entities" [ "$(grep -c '^---$' "$tmp/bs.yaml")" -ge 15 ]
"$sm" manifest "$examples/bigdatalondon/asyncapi.yaml" --name bdl --namespace events >"$tmp/dp.yaml"
"$sm" catalogue "$tmp/dp.yaml" >"$tmp/dp.json"
check "manifest namespace" grep -q '"namespace": "events"' "$tmp/dp.json"
check "manifest topics like the document" [ "$(grep -c '"access":' "$tmp/dp.json")" = 2 ]
"$sm" catalogue "$fixtures/asyncapi/broken/bad-partitions.yaml" >/dev/null 2>"$tmp/err"
check "invalid spec exits 1" [ $? = 1 ]
check "invalid spec names the file" grep -q 'bad-partitions.yaml:[0-9]' "$tmp/err"
"$sm" catalogue -o xml "$examples" >/dev/null 2>&1
check "bad format exits 1" [ $? = 1 ]
"$sm" topology -o dot "$examples" >"$tmp/t.dot"
check "denied edge" grep -q 'id="denied:london.hammersmith.olympia.bigdatalondon._protected.retail.purchase:london.heathrow.transport"' "$tmp/t.dot"
"$sm" topology "$examples" >"$tmp/t.svg"
check "svg" grep -q '<g id="product&#45;london.heathrow.transport" class="node"' "$tmp/t.svg"
"$sm" topology -o mermaid "$examples" >"$tmp/t.mmd"
check "mermaid" grep -q '^flowchart LR$' "$tmp/t.mmd"
[ $fail = 0 ] && echo "ok: catalogue and topology of the examples"
exit $fail
