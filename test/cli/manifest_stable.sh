#!/usr/bin/env bash
# `specmesh manifest` is stable for Git: the same document and schemas give byte-identical
# output, whatever the working directory, the path spelling, the files' location and
# timestamps, the time zone or the locale; the output has no trailing whitespace and ends
# with one newline (so regenerating manifests in CI makes no diff unless the spec changed).
set -uo pipefail
sm=$1 fixtures=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
cd "$fixtures/asyncapi" || exit 1
gen() { "$sm" manifest "$@" --name bigdatalondon --namespace events; }
gen bigdatalondon/asyncapi.yaml >"$tmp/a.yaml" || { echo "FAIL manifest exit $?"; exit 1; }
gen bigdatalondon/asyncapi.yaml >"$tmp/b.yaml"
cmp -s "$tmp/a.yaml" "$tmp/b.yaml" || { echo "FAIL two runs differ"; fail=1; }
(cd / && gen "$fixtures/asyncapi/bigdatalondon/./asyncapi.yaml") >"$tmp/c.yaml"
cmp -s "$tmp/a.yaml" "$tmp/c.yaml" || { echo "FAIL another cwd and path spelling differ"; fail=1; }
cp -r bigdatalondon "$tmp/copy"
touch -d '2001-02-03 04:05:06' "$tmp/copy/asyncapi.yaml" "$tmp/copy"/schema/*
TZ=Pacific/Kiritimati LC_ALL=C gen "$tmp/copy/asyncapi.yaml" >"$tmp/d.yaml"
cmp -s "$tmp/a.yaml" "$tmp/d.yaml" || { echo "FAIL a copy elsewhere (other mtime, TZ, locale) differs"; fail=1; }
mkdir "$tmp/spec" && cp bigdatalondon/asyncapi.yaml "$tmp/spec/"
gen "$tmp/spec/asyncapi.yaml" --schemas "$fixtures/asyncapi/bigdatalondon" >"$tmp/e.yaml"
cmp -s "$tmp/a.yaml" "$tmp/e.yaml" || { echo "FAIL --schemas DIR differs from schemas beside the spec"; fail=1; }
if grep -n '[[:space:]]$' "$tmp/a.yaml"; then echo "FAIL trailing whitespace"; fail=1; fi
[ "$(tail -c1 "$tmp/a.yaml" | od -An -c | tr -d ' ')" = '\n' ] || { echo "FAIL no final newline"; fail=1; }
[ "$(tail -c2 "$tmp/a.yaml" | od -An -c | tr -d ' ')" != '\n\n' ] || { echo "FAIL blank line at the end"; fail=1; }
[ $fail = 0 ] && echo "ok: manifest output is byte-identical for the same input"
exit $fail
