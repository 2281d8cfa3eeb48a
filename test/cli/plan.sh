#!/usr/bin/env bash
# `specmesh plan --offline` through the real binary: exit 2 (changes pending) and output equal
# to the golden plans in test/fixtures/plans/ (text and the documented JSON). Regenerate after
# an intended change with:
#   (cd test/fixtures/asyncapi && specmesh plan --offline [-o json] DOC > ../plans/NAME.{txt,json})
set -uo pipefail
sm=$1 fixtures=$2
cd "$fixtures/asyncapi" || exit 1
fail=0
check() { # GOLDEN ARGS...
        local golden=$1 got rc
        shift
        got=$("$sm" plan --offline "$@")
        rc=$?
        if [ $rc != 2 ]; then echo "FAIL plan $*: exit $rc, expected 2"; fail=1; fi
        if [ "$got" != "$(cat "$golden")" ]; then
                echo "FAIL plan $*: differs from $golden"; diff <(echo "$got") "$golden" | head -20; fail=1
        fi
}
check ../plans/bigdatalondon.txt bigdatalondon/asyncapi.yaml
check ../plans/bigdatalondon.json -o json bigdatalondon/asyncapi.yaml
check ../plans/v3-heathrow.json -o json v3-heathrow.yaml
# the JSON is valid and says what the README promises
python3 - ../plans/bigdatalondon.json <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
assert d["domain"] == "london.hammersmith.olympia.bigdatalondon", d["domain"]
kinds = [(c["action"], c["resource"]) for c in d["changes"]]
assert kinds.count(("create", "topic")) == 3, kinds
assert kinds.count(("create", "acl")) == 14, kinds
assert kinds.count(("create", "subject")) == 3, kinds
t = [c for c in d["changes"] if c["resource"] == "topic" and c["name"].endswith("purchase")][0]
assert t["partitions"] == 6 and t["configs"]["retention.ms"] == "2592000000", t
a = d["changes"][6]
assert set(a) >= {"resourceType", "resourceName", "patternType", "principal", "host", "operation", "permission"}, a
PY
# unknown output format and missing file are errors (exit 1)
"$sm" plan --offline -o yaml bigdatalondon/asyncapi.yaml >/dev/null 2>&1
[ $? = 1 ] || { echo "FAIL -o yaml should exit 1"; fail=1; }
"$sm" plan --offline no-such-file.yaml >/dev/null 2>&1
[ $? = 1 ] || { echo "FAIL a missing file should exit 1"; fail=1; }
[ $fail = 0 ] && echo "ok: offline plans match their goldens"
exit $fail
