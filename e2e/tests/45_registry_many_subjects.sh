#!/usr/bin/env bash
# End-to-end: a registry holding more than 1,000 subjects. Apicurio answers GET /subjects with
# at most 1,000 names, so a client reading one page misses subjects and plans to create what
# exists. Registers 1,100 filler subjects, then applies a product whose subjects come after them
# and checks that the next plan is clean and that a removed channel's subject is still seen (as
# an orphan) — both need the pages after the first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
URL=${SPECMESH_REGISTRY_URL:?}
FILL=e2e-fill$$
D=zz.many$$ # sorts after the fillers, and registered after them
work=$(mktemp -d)

fill() { # ACTION (POST|DELETE): the 1,100 filler subjects over one connection
        python3 - "$URL" "$FILL" "$1" <<'PY'
import http.client, json, socket, sys, urllib.parse
url, prefix, action = urllib.parse.urlparse(sys.argv[1]), sys.argv[2], sys.argv[3]
h = {"Content-Type": "application/vnd.schemaregistry.v1+json"}
c = None
def call(method, path, body=None):
    # Apicurio now and then never answers a request on a kept-alive connection (seen here with
    # 3.3.3): give up after 5 s and retry once on a new connection
    global c
    for attempt in (1, 2):
        try:
            if c is None:
                c = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
                c.connect()
                c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c.request(method, path, body, h)
            r = c.getresponse(); r.read()
            return r.status
        except (socket.timeout, OSError, http.client.HTTPException):
            c.close(); c = None
            if attempt == 2:
                raise
for i in range(1100):
    s = f"{url.path}/subjects/{prefix}.s{i:04d}-value"
    if action == "POST":
        st = call("POST", s + "/versions", json.dumps({"schema": '"string"'}))
        assert st == 200, (st, s)
    else:
        call("DELETE", s); call("DELETE", s + "?permanent=true")
PY
}
cleanup() {
        fill DELETE >/dev/null 2>&1 || true
        e2e_forget_domain "$D"
        rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/api.yaml" <<Y
asyncapi: '2.5.0'
id: 'urn:${D//./:}'
info: {title: many subjects, version: '1'}
channels:
  _public/a:
    publish:
      message:
        payload: {\$schema: 'http://json-schema.org/draft-07/schema#', type: object, properties: {x: {type: string}}}
  _public/b:
    publish:
      message:
        payload: {\$schema: 'http://json-schema.org/draft-07/schema#', type: object, properties: {y: {type: string}}}
Y

step "1,100 filler subjects in the registry"
fill POST
t_assert_match "$(curl -sf "$URL/subjects" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" \
        '^1000$' "one GET /subjects answers at most 1,000 names (why paging is needed)"

step "apply a product whose subjects come after the first 1,000"
"$SM" apply "$work/api.yaml" >/dev/null
t_assert_eq "$(registry_latest_version "$D._public.a-value")" 1 "subject a registered"
rc=0
"$SM" plan "$work/api.yaml" >"$work/plan.txt" || rc=$?
cat "$work/plan.txt"
t_assert_eq "$rc" 0 "plan after apply: no changes"

step "a channel removed: its subject is seen beyond the first page, kept as an orphan"
python3 - "$work/api.yaml" <<'PY'
import sys; p = sys.argv[1]; s = open(p).read()
open(p, "w").write(s[: s.index("  _public/b:")])
PY
"$SM" plan "$work/api.yaml" -o json >"$work/plan.json" || true
t_assert_eq "$(python3 -c 'import json,sys; print(" ".join(c["action"] for c in json.load(open(sys.argv[1]))["changes"] if c["name"] == sys.argv[2]))' "$work/plan.json" "$D._public.b-value")" orphan "subject b is an orphan"
t_done
