"""Turn `kafka-acls --list` output into one line per binding, for the bindings of one domain.

Line format: TYPE NAME PATTERN PRINCIPAL OPERATION PERMISSION. A binding belongs to the domain
when its resource name starts with "<domain>." or it is the owner's CLUSTER binding.
"""
import re
import sys

domain = sys.argv[1]
resource = None
for line in sys.stdin:
    m = re.search(r"ResourcePattern\(resourceType=(\w+), name=([^,]+), patternType=(\w+)\)", line)
    if m:
        resource = m.groups()
        continue
    m = re.search(r"principal=([^,]+), host=([^,]+), operation=(\w+), permissionType=(\w+)", line)
    if m and resource:
        rtype, name, pattern = resource
        principal, _host, op, perm = m.groups()
        mine = name.startswith(domain + ".") or (rtype == "CLUSTER" and principal == "User:" + domain)
        if mine:
            print(rtype, name, pattern, principal, op, perm)
