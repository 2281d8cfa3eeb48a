#!/usr/bin/env bash
# `specmesh manifest` is a round trip, for hostile documents too: for many generated AsyncAPI
# documents whose strings, keys and schema files hold quotes, colons, '#', newlines, CRs,
# tabs, leading spaces, unicode, YAML indicators and document markers, the DataProduct it
# writes loads back to exactly the same plan (schema texts byte for byte). --name and
# --namespace that are not Kubernetes names are refused (they could forge YAML lines), and a
# schema $ref cannot make it read a file outside the document's folder.
set -uo pipefail
sm=$1
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
fail=0
python3 - "$tmp" <<'PY' || { echo "FAIL generator"; exit 1; }
import json, os, random, sys
out = sys.argv[1]
random.seed(11)
nasty = ["a: b", "#x", "- y", "'q'", '"d"', "x\ny", " lead", "trail ", "tab\there", "cr\r\nlf",
         "---", "...", "{a: 1}", "[1]", "&a", "*a", "!tag", "%x", "@x", "`x`", "|", ">", "?",
         "yes", "no", "null", "~", "3", "0x1f", "1e3", "é ü 漢字 🙂", "\u2028", "\\", "", " ",
         "a\u0085b", "x\x7fy", "\ufeffbom"]
def s(): return "".join(random.choice(nasty) for _ in range(random.randint(1, 3)))
for i in range(40):
    d = os.path.join(out, f"d{i}")
    os.makedirs(os.path.join(d, "schema"))
    channels = {}
    for c in range(random.randint(1, 3)):
        fn = f"schema/s{c}.json" if c % 2 == 0 else f"schema/s{c}.avsc"
        lead = random.choice(["", "\n", "  ", "\t", "\r\n", " \n\n"])
        tail = random.choice(["", "\n", "\n\n\n", "  \n", "\r\n", "\n  "])
        if fn.endswith(".json"):
            body = json.dumps({"type": "object", "description": s(), "title": s()}, indent=random.choice([None, 2, "\t"]), ensure_ascii=False)
        else:
            body = json.dumps({"type": "record", "name": "R", "doc": s(), "fields": [{"name": "f", "type": "string", "doc": s()}]}, indent=random.choice([None, 4]), ensure_ascii=False)
        body = lead + body + tail
        open(os.path.join(d, fn), "w", encoding="utf-8", newline="").write(body)
        channels[f"_public/c{c}"] = {
            "description": s(),
            "x-note": {s() or "k": s()},
            "bindings": {"kafka": {"partitions": random.randint(1, 9), "configs": {"x.a": s(), "x.b": s()}}},
            "publish": {"summary": s(), "message": {"name": s(), "payload": {"$ref": fn}}},
        }
    doc = {"asyncapi": "2.6.0", "id": f"urn:rt:p{i}", "info": {"title": s(), "version": "1", "description": s()}, "channels": channels}
    # JSON is YAML: the generator cannot get YAML quoting wrong, only specmesh can
    text = json.dumps(doc, ensure_ascii=False)
    for ch in "\x7f\x85\u2028\ufeff":
        text = text.replace(ch, "\\u%04x" % ord(ch))
    open(os.path.join(d, "api.yaml"), "w", encoding="utf-8").write(text)
PY
n=0
for d in "$tmp"/d*; do
        n=$((n + 1))
        if ! "$sm" manifest "$d/api.yaml" --name "rt-$n" --namespace team-a >"$d/dp.yaml" 2>"$d/err"; then
                echo "FAIL $d: manifest: $(cat "$d/err")"; fail=1; continue
        fi
        mv "$d/schema" "$d/schema.away" # the manifest must stand alone
        if ! diff <("$sm" plan --offline -o json "$d/dp.yaml" 2>&1) \
                <(mv "$d/schema.away" "$d/schema" && "$sm" plan --offline -o json "$d/api.yaml" 2>&1) >"$d/diff"; then
                echo "FAIL $d: the manifest plans differently"; head -20 "$d/diff"; fail=1
        fi
        [ -d "$d/schema" ] || mv "$d/schema.away" "$d/schema"
done
d=$tmp/d0
for bad in $'x\nspec: {}' 'UPPER' 'a b' '-x' 'x:' "$(printf 'a%.0s' {1..254})" '' 'a"b'; do
        if "$sm" manifest "$d/api.yaml" --name "$bad" >/dev/null 2>&1; then
                echo "FAIL --name '$bad' accepted"; fail=1
        fi
done
for bad in $'x\n  name: y' 'a.b' 'A' "$(printf 'a%.0s' {1..64})"; do
        if "$sm" manifest "$d/api.yaml" --name ok --namespace "$bad" >/dev/null 2>&1; then
                echo "FAIL --namespace '$bad' accepted"; fail=1
        fi
done
# a $ref out of the folder is refused by validation before manifest reads anything
mkdir -p "$tmp/esc/in"
printf '"string"' >"$tmp/esc/secret.avsc"
printf 'asyncapi: 2.6.0\nid: urn:rt:esc\nchannels:\n  _public/x:\n    publish:\n      message:\n        payload: {$ref: ../secret.avsc}\n' >"$tmp/esc/in/api.yaml"
if "$sm" manifest "$tmp/esc/in/api.yaml" --name esc >"$tmp/esc/out" 2>/dev/null || grep -q string "$tmp/esc/out"; then
        echo "FAIL a ../ ref was embedded"; fail=1
fi
[ $fail = 0 ] && echo "ok: $n hostile documents round-trip through manifest; bad names refused"
exit $fail
