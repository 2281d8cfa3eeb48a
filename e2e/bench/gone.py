#!/usr/bin/env python3
"""B5's clock: wait until a namespace holds no DataProduct (every finalizer done), polling the
list through `kubectl proxy` every 0.1 s. Prints the wall-clock time (time.time()) at which the
list was first empty.

  gone.py PROXY_URL NAMESPACE [TIMEOUT_S]
"""
import http.client
import json
import sys
import time
import urllib.parse

proxy, ns = sys.argv[1], sys.argv[2]
deadline = time.time() + (float(sys.argv[3]) if len(sys.argv) > 3 else 1200)
u = urllib.parse.urlparse(proxy)
path = f"/apis/specmesh.io/v1alpha1/namespaces/{ns}/dataproducts?limit=1"
while time.time() < deadline:
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    c.request("GET", path)
    r = c.getresponse()
    body = json.loads(r.read())
    c.close()
    if r.status == 200 and not body.get("items"):
        print("%.4f" % time.time())
        sys.exit(0)
    time.sleep(0.1)
sys.exit("DataProducts still there after the timeout")
