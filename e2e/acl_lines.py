"""Turn `kafka-acls --list` output into one line per binding, for the bindings of one domain.

Line format: TYPE NAME PATTERN PRINCIPAL OPERATION PERMISSION. A binding belongs to the domain
when its resource name starts with "<domain>." or it is the owner's CLUSTER binding. Lines are
sorted: AclCommand lists a resource's bindings in the broker's hash order, which may change between
two listings of the same set, so unsorted output cannot be compared.
"""
import re
import sys

domain = sys.argv[1]
resource = None
lines = []
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
            lines.append(" ".join((rtype, name, pattern, principal, op, perm)))
for line in sorted(lines):
    print(line)
