#!/usr/bin/env bash
# The CLI under valgrind (definite leaks and memory errors fail) on the fixtures: validate of
# good and broken documents, an offline plan in both renderings, a manifest, the catalogue and
# the topology (Graphviz's own process-long caches are "still reachable", not definite leaks).
set -uo pipefail
sm=$1
cd "$(dirname "$0")/fixtures/asyncapi" || exit 1
supp=$(cd ../.. && pwd)/valgrind-graphviz.supp
vg() { valgrind -q --suppressions="$supp" --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 "$sm" "$@" >/dev/null 2>/tmp/valgrind.$$; rc=$?; if [ $rc = 99 ]; then cat /tmp/valgrind.$$; echo "valgrind: errors in: specmesh $*"; exit 1; fi; }
vg validate bigdatalondon/asyncapi.yaml v3-heathrow.yaml
vg validate broken/several-problems.yaml broken/yaml-syntax.yaml broken/unreadable-schema-file.yaml
vg plan --offline bigdatalondon/asyncapi.yaml
vg plan --offline -o json v3-heathrow.yaml
vg manifest bigdatalondon/asyncapi.yaml --name bdl
vg catalogue -o html bigdatalondon/asyncapi.yaml v3-heathrow.yaml ../catalog/hostile.yaml
vg catalogue -o backstage bigdatalondon/asyncapi.yaml v3-heathrow.yaml
vg topology -o svg bigdatalondon/asyncapi.yaml v3-heathrow.yaml ../catalog/hostile.yaml
rm -f /tmp/valgrind.$$
echo "valgrind: clean"
