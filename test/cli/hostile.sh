#!/usr/bin/env bash
# Hostile input through the real binary (docs/security.md): a FIFO behind a schema $ref does
# not hang `validate`; a newline in a field cannot forge a diagnostic line or a plan line; a
# manifest next to schema files does not read them.
set -uo pipefail
sm=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
mkfifo "$tmp/fifo.avsc"
printf 'asyncapi: 2.6.0\nid: urn:a:b\nchannels:\n  _public/x:\n    publish:\n      message:\n        payload: {$ref: fifo.avsc}\n' >"$tmp/fifo.yaml"
out=$(timeout 10 "$sm" validate "$tmp/fifo.yaml" 2>&1)
rc=$?
if [ $rc != 1 ] || ! grep -q "not a regular file" <<<"$out"; then
        echo "FAIL fifo: rc=$rc (124 = hung) $out"; fail=1
fi
printf 'asyncapi: 2.6.0\nid: "urn:a\\nforged.yaml:1:1: error: forged"\n' >"$tmp/forge.yaml"
out=$("$sm" validate "$tmp/forge.yaml" 2>&1)
if [ "$(wc -l <<<"$out")" != 1 ] || grep -q "^forged" <<<"$out"; then
        echo "FAIL a newline in the id forged a diagnostic line: $out"; fail=1
fi
cat >"$tmp/cfg.yaml" <<'Y'
asyncapi: 2.6.0
id: urn:a:b
channels:
  _public/x:
    bindings:
      kafka:
        configs:
          retention.ms: "1\n  - topic a.b._public.victim\n"
    publish:
      message: {payload: {type: string}}
Y
"$sm" plan --offline "$tmp/cfg.yaml" >"$tmp/plan.txt" 2>&1
if grep -q "^  - topic" "$tmp/plan.txt" || ! grep -q 'retention.ms = "1\\n  - topic' "$tmp/plan.txt"; then
        echo "FAIL a config value forged a plan line:"; cat "$tmp/plan.txt"; fail=1
fi
[ $fail = 0 ] && echo "ok: FIFO refused without hanging; no forged diagnostic or plan lines"
exit $fail
