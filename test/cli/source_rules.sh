#!/usr/bin/env bash
# Rules the compiler does not check, read from the sources: no call through a function pointer
# cast to another type (undefined behaviour; vec_release and map_release take void (*)(void *)).
set -uo pipefail
root=$(cd "$2/../.." && pwd)
cd "$root" || exit 1
fail=0
casts=$(git grep -nE '\((void|int) \(\*\)\([^)]*\)\) *[a-z_]+' -- '*.c' '*.h' 2>/dev/null ||
        grep -rnE '\((void|int) \(\*\)\([^)]*\)\) *[a-z_]+' --include='*.[ch]' pkg operator test e2e)
if [ -n "$casts" ]; then
        echo "FAIL function pointers cast to another type (write a wrapper with the right type):"
        echo "$casts"
        fail=1
fi
[ $fail = 0 ] && echo "ok: source rules hold"
exit $fail
