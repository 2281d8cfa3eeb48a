#!/usr/bin/env bash
# `specmesh credentials` and `specmesh report` without a server: usage errors and refused
# domains fail before anything is sent (the connection points at a port nobody listens on, so
# getting as far as connecting would be a different error), and nothing is written.
set -uo pipefail
sm=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SPECMESH_KAFKA_CONFIG=$tmp/none.properties
printf 'bootstrap.servers=127.0.0.1:1\n' >"$SPECMESH_KAFKA_CONFIG"
fail=0
expect() { # WHAT REGEX ARGS...: exit 1 and stderr matching REGEX
        local what=$1 re=$2 rc=0
        shift 2
        "$sm" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
        if [ "$rc" != 1 ] || ! grep -qE -- "$re" "$tmp/err"; then
                echo "FAIL $what: exit $rc: $(cat "$tmp/err")"
                fail=1
        fi
}
expect "no verb" "say create, rotate or delete" credentials --domain a.b
expect "no domain" "--domain is required" credentials create -o "$tmp/f"
expect "no -o" "-o FILE is required: the password is never printed" credentials rotate --domain a.b
expect "bad mechanism" "use SCRAM-SHA-512 or SCRAM-SHA-256" credentials create --domain a.b --mechanism PLAIN -o "$tmp/f"
for bad in ANONYMOUS '*' User:x a..b a.b._private "urn:a::b" "a b"; do
        expect "domain '$bad'" "domain '.*' cannot own a credential" credentials create --domain "$bad" -o "$tmp/f"
done
[ -e "$tmp/f" ] && { echo "FAIL a file was written"; fail=1; }
expect "report without a kind" "say storage or consumption" report
expect "report format" "use text, json or csv" report storage -o yaml
expect "unreachable broker" "127.0.0.1:1" credentials create --domain a.b -o "$tmp/f"
"$sm" credentials --help | grep -q "mode 0600" || { echo "FAIL --help"; fail=1; }
"$sm" report --help | grep -q "DescribeLogDirs" || { echo "FAIL report --help"; fail=1; }
[ $fail = 0 ] && echo "ok: credentials and report refuse bad input before connecting"
exit $fail
