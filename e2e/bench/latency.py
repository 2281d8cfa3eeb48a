#!/usr/bin/env python3
"""B2's clock: patch one DataProduct N times and time each patch until the operator has caught
up (status.observedGeneration == metadata.generation and Ready=True), seen through a watch.

  latency.py PROXY_URL NAMESPACE NAME N SEED      (PROXY_URL: `kubectl proxy`, plain HTTP)

Each patch sets a new retention.ms on channel _public/t1 (JSON patch). Prints JSON:
{"samples": [...seconds], "p50", "p99", "max"}.
"""
import http.client
import json
import sys
import time
import urllib.parse

proxy, ns, name, n, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
u = urllib.parse.urlparse(proxy)
base = f"/apis/specmesh.io/v1alpha1/namespaces/{ns}/dataproducts"


def conn(timeout=60):
    return http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)


def caught_up(obj, gen):
    st = obj.get("status") or {}
    ready = [c for c in st.get("conditions", []) if c.get("type") == "Ready"]
    return st.get("observedGeneration") == gen and ready and ready[0].get("status") == "True"


def one(i):
    value = str(86400000 + seed * 100000 + i)
    patch = [{"op": "replace",
              "path": "/spec/asyncapi/channels/_public~1t1/bindings/kafka/configs/retention.ms",
              "value": value}]
    c = conn()
    t0 = time.monotonic()
    c.request("PATCH", f"{base}/{name}", json.dumps(patch),
              {"Content-Type": "application/json-patch+json"})
    r = c.getresponse()
    obj = json.loads(r.read())
    if r.status != 200:
        sys.exit(f"patch: {r.status} {obj}")
    gen, rv = obj["metadata"]["generation"], obj["metadata"]["resourceVersion"]
    w = conn()
    w.request("GET", f"{base}?watch=1&fieldSelector=metadata.name%3D{name}&resourceVersion={rv}")
    resp = w.getresponse()
    while True:
        line = resp.readline()
        if not line:
            sys.exit("watch ended before the operator caught up")
        ev = json.loads(line)
        if ev["type"] in ("ADDED", "MODIFIED") and caught_up(ev["object"], gen):
            dt = time.monotonic() - t0
            w.close()
            return dt


samples = [one(i) for i in range(n)]
s = sorted(samples)


def pct(p):
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


print(json.dumps({"samples": samples, "p50": round(pct(50), 4), "p99": round(pct(99), 4),
                  "max": round(s[-1], 4)}))
