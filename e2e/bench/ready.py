#!/usr/bin/env python3
"""Wait until N DataProducts of a namespace are Ready at their current generation, watching
them all through one list+watch (kubectl wait looks at one object at a time, which adds
seconds at N = 200). Prints the wall-clock time (time.time()) at which the N-th became Ready.

  ready.py PROXY_URL NAMESPACE N [TIMEOUT_S]     (PROXY_URL: `kubectl proxy`, plain HTTP)
"""
import http.client
import json
import sys
import time
import urllib.parse

proxy, ns, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
deadline = time.time() + (float(sys.argv[4]) if len(sys.argv) > 4 else 1200)
u = urllib.parse.urlparse(proxy)
path = f"/apis/specmesh.io/v1alpha1/namespaces/{ns}/dataproducts"
ready = set()


def is_ready(o):
    st = o.get("status") or {}
    conds = [c for c in st.get("conditions", []) if c.get("type") == "Ready"]
    return (st.get("observedGeneration") == o["metadata"].get("generation") and conds
            and conds[0].get("status") == "True")


def note(o):
    name = o["metadata"]["name"]
    if is_ready(o):
        ready.add(name)
    else:
        ready.discard(name)


c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
c.request("GET", path)
lst = json.loads(c.getresponse().read())
for o in lst.get("items", []):
    note(o)
rv = lst["metadata"]["resourceVersion"]
while len(ready) < n:
    if time.time() > deadline:
        sys.exit(f"timed out: {len(ready)} of {n} Ready")
    w = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    w.request("GET", f"{path}?watch=1&resourceVersion={rv}&timeoutSeconds=60")
    r = w.getresponse()
    while len(ready) < n:
        line = r.readline()
        if not line:
            break
        ev = json.loads(line)
        o = ev["object"]
        if ev["type"] == "ERROR":
            sys.exit(f"watch error: {o}")
        rv = o["metadata"].get("resourceVersion", rv)
        if ev["type"] == "DELETED":
            ready.discard(o["metadata"]["name"])
        else:
            note(o)
    w.close()
print("%.4f" % time.time())
