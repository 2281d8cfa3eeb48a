#!/usr/bin/env bash
# End-to-end: the operator's read-only catalogue, built from the DataProducts its watch cache
# holds. The three examples and a hostile product are applied with kubectl; the JSON API is
# checked with curl, the pages with headless Chromium (screenshots in e2e/.out/91_catalogue/),
# the Backstage location against Backstage's schemas; the probes keep answering within 100 ms
# while 50 idle connections and a slow reader hold the port.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
root=$(cd "$here/../.." && pwd)
# shellcheck source=../../test/web/lib.sh
source "$root/test/web/lib.sh"
SM=${SPECMESH_BIN:?}
work=$(mktemp -d)
shots=$root/e2e/.out/91_catalogue
mkdir -p "$shots"
ns=cat-$$-$RANDOM
port=18103
BDL=london.hammersmith.olympia.bigdatalondon
TRN=london.hammersmith.transport
LHR=london.heathrow.transport
EVIL=e2e.catalogue.hostile
PURCHASE=$BDL._protected.retail.purchase
op=""
fds=()

cleanup() {
        for fd in "${fds[@]}"; do exec {fd}>&- 2>/dev/null || true; done
        [ -z "$op" ] || { kill -TERM "$op" 2>/dev/null; wait "$op" 2>/dev/null || true; }
        for o in $(kube_admin get dp -n "$ns" -o name 2>/dev/null); do
                kube_admin patch -n "$ns" "$o" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
                kube_admin delete -n "$ns" "$o" --wait=false >/dev/null 2>&1 || true
        done
        e2e_forget_domain $BDL $TRN $LHR $EVIL
        [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

api() { curl -sS "http://127.0.0.1:$port$1"; }
count_products() { api "$1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["products"]))'; }

step "the CRD, deploy/'s RBAC, a namespace; the operator as its ServiceAccount"
kube_admin apply -f "$root/crds/dataproducts.specmesh.io.yaml" >/dev/null
kube_admin wait --for=condition=Established crd/dataproducts.specmesh.io --timeout=30s >/dev/null
kube_admin apply -f "$root/deploy/00-namespace.yaml" -f "$root/deploy/10-serviceaccount.yaml" \
        -f "$root/deploy/20-rbac.yaml" >/dev/null
kube_admin create namespace "$ns" >/dev/null
# the AccessRequest CRD is a valid CRD for the real API server (88 uses it)
kube_admin apply --dry-run=server -f "$root/crds/accessrequests.specmesh.io.yaml" >/dev/null
"$SM" operator --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" --namespace "$ns" \
        --metrics-addr "127.0.0.1:$port" --resync 300 >"$work/operator.log" 2>&1 &
op=$!
wait_for 20 "the operator to be ready" bash -c "[ \"\$(curl -s http://127.0.0.1:$port/readyz)\" = ok ]"

step "apply the examples and a hostile product"
cp -r "$root/examples/." "$work/"
sed 's/urn:evil:corp/urn:e2e:catalogue:hostile/' "$root/test/fixtures/catalog/hostile.yaml" >"$work/hostile.yaml"
for p in bigdatalondon transport heathrow; do
        "$SM" manifest "$work/$p/asyncapi.yaml" --name "$p" --namespace "$ns" >"$work/$p.dp.yaml"
        kube_admin apply -f "$work/$p.dp.yaml" >/dev/null
done
"$SM" manifest "$work/hostile.yaml" --name hostile --namespace "$ns" >"$work/hostile.dp.yaml"
kube_admin apply -f "$work/hostile.dp.yaml" >/dev/null
kube_admin wait --for=condition=Ready dp/bigdatalondon -n "$ns" --timeout=90s >/dev/null

step "the JSON API"
wait_for 20 "four products in the catalogue" bash -c "[ \"\$(curl -s http://127.0.0.1:$port/api/v1/products | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"products\"]))')\" = 4 ]"
api /api/v1/products >"$work/all.json"
t_assert_eq "$(python3 -c 'import json,sys; print(" ".join(p["domain"] for p in json.load(open(sys.argv[1]))["products"]))' "$work/all.json")" \
        "$EVIL $BDL $TRN $LHR" "products by domain"
t_assert_eq "$(grep -c _private "$work/all.json" || true)" 0 "no private topic listed"
bdl_json() { api "/api/v1/products/$BDL"; }
wait_for 20 "Big Data London Ready in the catalogue" bash -c "curl -s http://127.0.0.1:$port/api/v1/products/$BDL | grep -q '\"ready\": true'"
bdl_json >"$work/bdl.json"
t_assert_eq "$(python3 -c '
import json,sys
p = json.load(open(sys.argv[1]))
t = {x["name"]: x for x in p["topics"]}
pur = t[sys.argv[2] + "._protected.retail.purchase"]
att = t[sys.argv[2] + "._public.attendee"]
print(p["namespace"] != "" and p["name"], p["principal"], p["ready"], pur["readers"], pur["partitions"],
      att["tags"], att["messages"], att["schema"]["subject"], att["schema"]["version"],
      "Attendee" in att["schema"]["text"])' "$work/bdl.json" "$BDL")" \
        "bigdatalondon User:$BDL True ['$TRN'] 6 ['human', 'big data london'] ['Human'] $BDL._public.attendee-value 1 True" \
        "Big Data London in the catalogue"
t_assert_eq "$(count_products '/api/v1/products?tag=human')" 1 "?tag=human"
t_assert_eq "$(count_products '/api/v1/products?q=heathrow')" 1 "?q=heathrow"
t_assert_eq "$(count_products '/api/v1/products?tag=nothing-has-this')" 0 "an unknown tag"
t_assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/products/no.such.domain")" 404 "unknown domain"
t_assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/api/v1/products")" 405 "read-only"

step "the CLI reads the same from the API server (--cluster)"
"$SM" catalogue --cluster --kubeconfig "$KUBECONFIG" --namespace "$ns" >"$work/cli.json"
t_assert_eq "$(python3 -c 'import json,sys; print(" ".join(p["domain"] for p in json.load(open(sys.argv[1]))["products"]))' "$work/cli.json")" \
        "$EVIL $BDL $TRN $LHR" "specmesh catalogue --cluster"
t_assert_eq "$(python3 -c 'import json,sys; a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2])); n = lambda d: [[(t["name"], t["readers"], t["tags"]) for t in p["topics"]] for p in d["products"]]; print(n(a) == n(b))' "$work/cli.json" "$work/all.json")" \
        True "the same topics as the operator's API"
"$SM" topology --cluster --kubeconfig "$KUBECONFIG" --namespace "$ns" -o dot >"$work/cli.dot"
t_assert_match "$(cat "$work/cli.dot")" "id=\"denied:$PURCHASE:$LHR\"" "specmesh topology --cluster"

step "the topology and the Backstage location"
api /topology >"$work/topology.svg"
t_assert_match "$(cat "$work/topology.svg")" "<g id=\"denied:$PURCHASE:$LHR\" class=\"edge denied\"" "Heathrow's read drawn denied"
t_assert_match "$(cat "$work/topology.svg")" "<g id=\"read:$PURCHASE:$TRN\" class=\"edge read\"" "transport's read drawn granted"
api /backstage/catalog-info.yaml >"$work/catalog-info.yaml"
node_path=$(web_npm) || t_fail "npm install of the Backstage schema check"
NODE_PATH="$node_path" node "$root/test/web/backstage-validate.cjs" "$work/catalog-info.yaml" >"$work/bs.log" ||
        { cat "$work/bs.log"; t_fail "Backstage entities invalid"; }
t_assert_match "$(cat "$work/bs.log")" "^22 entities, 0 problems" "Backstage entities valid"

step "in a browser: the catalogue, a tag search, the topology; no markup from specs"
web_dom "http://127.0.0.1:$port/catalogue" >"$work/catalogue.dom"
t_assert_eq "$(grep -o '<section class="product"' "$work/catalogue.dom" | wc -l)" 4 "four products on the page"
t_assert_eq "$(grep -c -e '<script' -e '<img' -e '<iframe' "$work/catalogue.dom" || true)" 0 "no injected element"
t_assert_match "$(cat "$work/catalogue.dom")" "&lt;img src=x onerror=alert\(1\)&gt;" "the hostile description as text"
web_dom "http://127.0.0.1:$port/catalogue?tag=human" >"$work/tag.dom"
t_assert_eq "$(grep -o '<section class="product" id="[^"]*"' "$work/tag.dom")" \
        "<section class=\"product\" id=\"product-$BDL\"" "the tag search narrows it"
web_dom "http://127.0.0.1:$port/topology" >"$work/topology.dom"
for id in "product-$BDL" "product-$TRN" "product-$LHR" "topic-$PURCHASE"; do
        t_assert_match "$(cat "$work/topology.dom")" "<g id=\"$id\" class=\"node\"" "node $id rendered"
done
web_shot "http://127.0.0.1:$port/catalogue" "$shots/catalogue.png" 1400,1600
web_shot "http://127.0.0.1:$port/topology" "$shots/topology.png" 1400,700
t_assert_eq "$(test -s "$shots/catalogue.png" && test -s "$shots/topology.png" && echo yes)" yes "screenshots kept"

step "probes answer within 100 ms while 50 idle connections and a slow reader hold the port"
for i in $(seq 1 50); do
        exec {fd}<>"/dev/tcp/127.0.0.1/$port"
        fds+=("$fd")
done
exec {fd}<>"/dev/tcp/127.0.0.1/$port"
fds+=("$fd")
printf 'GET /backstage/catalog-info.yaml HTTP/1.1\r\nHost: x\r\n\r\n' >&"$fd" # never read
exec {fd}<>"/dev/tcp/127.0.0.1/$port"
fds+=("$fd")
printf 'GET /catalogue HTTP/1.1\r\nHost: x\r\nX-Slow: ' >&"$fd" # headers never finished
worst=0
for i in $(seq 1 20); do
        t=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/readyz")
        worst=$(python3 -c "print(max($worst, $t))")
done
t_assert_eq "$(python3 -c "print($worst < 0.1)")" True "worst /readyz ${worst}s"
t_assert_eq "$(curl -s "http://127.0.0.1:$port/healthz")" ok "/healthz"
t_assert_match "$(curl -s "http://127.0.0.1:$port/metrics")" "specmesh_" "/metrics"
t_done
