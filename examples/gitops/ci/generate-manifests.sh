#!/usr/bin/env bash
# Generates the DataProduct manifests a GitOps tool (Flux, Argo CD) applies, from a spec
# repository laid out as
#   SPECS/<name>/asyncapi.yaml      the product's AsyncAPI document (schemas $ref'd beside it)
#   SPECS/<name>/spec.yaml          optional: more DataProduct spec fields (deletionPolicy,
#                                   quotas, principal, suspend), written under `spec:` as is
# into OUT/<name>.yaml, one per product; *.yaml in OUT without a product are removed, so
# deleting a product's folder deletes the DataProduct (with `prune: true` / Argo CD's prune).
# `specmesh manifest` output is byte-identical for the same input, so an unchanged spec makes
# no diff.
#   generate-manifests.sh SPECS OUT NAMESPACE            write
#   generate-manifests.sh SPECS OUT NAMESPACE --check    exit 1 if OUT is not up to date
# Needs `specmesh` on PATH (or $SPECMESH). Exit 1 on an invalid spec, with its diagnostics.
set -euo pipefail
specs=${1:?SPECS} out=${2:?OUT} ns=${3:?NAMESPACE} check=${4:-}
sm=${SPECMESH:-specmesh}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for doc in "$specs"/*/asyncapi.yaml; do
        [ -f "$doc" ] || continue
        name=$(basename "$(dirname "$doc")")
        "$sm" manifest "$doc" --name "$name" --namespace "$ns" >"$tmp/$name.yaml"
        extra=$(dirname "$doc")/spec.yaml
        [ -f "$extra" ] && sed 's/^/  /' "$extra" >>"$tmp/$name.yaml"
done
if [ "$check" = --check ]; then
        stale=0
        for m in "$tmp"/*.yaml; do
                [ -f "$m" ] || continue
                diff -u "$out/$(basename "$m")" "$m" || stale=1
        done
        for m in "$out"/*.yaml; do
                [ -f "$m" ] && [ ! -f "$tmp/$(basename "$m")" ] && { echo "no product for $m"; stale=1; }
        done
        if [ "$stale" = 1 ]; then
                echo "manifests in $out are not up to date: run $0 $specs $out $ns" >&2
                exit 1
        fi
        exit 0
fi
mkdir -p "$out"
for m in "$out"/*.yaml; do
        [ -f "$m" ] && [ ! -f "$tmp/$(basename "$m")" ] && rm -f "$m"
done
for m in "$tmp"/*.yaml; do
        [ -f "$m" ] || continue
        cmp -s "$m" "$out/$(basename "$m")" 2>/dev/null || cp "$m" "$out/"
done
