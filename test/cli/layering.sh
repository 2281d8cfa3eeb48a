#!/usr/bin/env bash
# The module map (docs/architecture.md), checked from the #include lines: each pkg/ module may
# include only the modules listed for it. In particular no adapter (kafka, registry, kube)
# includes another, the reconcile core includes no adapter, and nothing below pkg/reconcile
# (base, model, yaml, plan) includes it. operator/ is the wiring and may include anything.
set -uo pipefail
root=$(cd "$2/../.." && pwd)
cd "$root" || exit 1
declare -A may=(
        [base]=""
        [model]="base"
        [yaml]="base"
        [asyncapi]="base model yaml"
        [plan]="base model"
        [reconcile]="base model plan"
        [status]="base model plan"
        [kwire]="base model plan"
        [kafka]="base model plan kwire"
        [registry]="base model plan"
        [kube]="base yaml"
        [runtime]="base kube"
        [catalog]="base model yaml asyncapi"
)
fail=0
for dir in pkg/*/; do
        m=$(basename "$dir")
        if [ -z "${may[$m]+x}" ]; then
                echo "FAIL pkg/$m is not in the module map (test/cli/layering.sh, docs/architecture.md)"
                fail=1
                continue
        fi
        while IFS=: read -r file line; do
                dep=$(sed -E 's#.*"pkg/([a-z0-9_]+)/.*#\1#' <<<"$line")
                [ "$dep" = "$m" ] && continue
                case " ${may[$m]} " in
                *" $dep "*) ;;
                *) echo "FAIL $file: pkg/$m may not include pkg/$dep: $line"; fail=1 ;;
                esac
        done < <(grep -HE '^#include "pkg/' "$dir"*.[ch] 2>/dev/null)
done
[ $fail = 0 ] && echo "ok: every pkg/ module includes only what the module map allows"
exit $fail
