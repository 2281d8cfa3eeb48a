#!/usr/bin/env bash
# `specmesh credentials create|rotate|delete` against Kafka: the SCRAM credential of a
# product's principal, made through our own protocol client (AlterUserScramCredentials), used
# by Kafka's own Java console producer over the SASL_PLAINTEXT listener to write to the
# product's topic; refused for another domain's topic; after rotate the new password works and
# the old one does not; after delete neither. The properties file is mode 0600 and the
# password is never printed. Unusable domains are refused. Last, the byte fixtures of the
# SCRAM-credential codecs (and DescribeLogDirs) are checked against frames captured from the
# real broker.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
root=$(cd "$here/../.." && pwd)
SM=${SPECMESH_BIN:?}
PROBE=$(dirname "$SM")/wire_probe
[ -x "$PROBE" ] || { echo "FAIL: no wire_probe next to $SM"; exit 1; }
work=$(mktemp -d)
E2E_TMP=${E2E_TMP:-$work}
D=e2ecred$$.app
OTHER=e2ecred$$.other
TOPIC=$D._public.events
relay_pid=

cleanup() {
        [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null || true
        "$SM" credentials delete --domain "$D" >/dev/null 2>&1 || true
        "$SM" credentials delete --domain "$OTHER" >/dev/null 2>&1 || true
        "$SM" credentials delete --domain wire-fx-cred >/dev/null 2>&1 || true
        e2e_forget_domain "$D" "$OTHER" >/dev/null 2>&1 || true
        rm -rf "$work"
}
trap cleanup EXIT

# produce PROPS VALUE: one record to $TOPIC with Kafka's console producer; prints its output
produce() {
        echo "$2" | kafka_tool "$(kafka_class ConsoleProducer)" --bootstrap-server 127.0.0.1:19092 \
                --producer.config "$1" --topic "$TOPIC" --producer-property max.block.ms=8000 \
                --producer-property delivery.timeout.ms=8000 --producer-property request.timeout.ms=5000 \
                --producer-property linger.ms=0 2>&1 || true
}
# landed VALUE: whether VALUE is a record of $TOPIC (read back as admin with kcat)
landed() {
        kcat -F "$SPECMESH_KAFKA_CONFIG" -C -t "$TOPIC" -o beginning -e -q 2>/dev/null | grep -qx "$1"
}
# works PROPS VALUE: produce until VALUE lands (a new credential reaches the brokers through
# the metadata log: up to 15 s)
works() {
        local i
        for i in $(seq 1 15); do
                produce "$1" "$2" >"$work/produce.out"
                landed "$2" && return 0
                sleep 1
        done
        cat "$work/produce.out"
        return 1
}
# refused PROPS VALUE WHAT: producing fails with an authentication error (waits up to 15 s for
# a removed credential to be gone from the brokers); the record never lands
refused() {
        local i out
        for i in $(seq 1 15); do
                out=$(produce "$1" "$2")
                if grep -qiE "$3" <<<"$out"; then
                        landed "$2" && t_fail "refused, yet the record landed"
                        T_CHECKS=$((T_CHECKS + 1))
                        return 0
                fi
                sleep 1
        done
        t_fail "not refused ($3): $(grep -iE 'error|exception' <<<"$out" | head -3)"
}

cat >"$work/app.yaml" <<Y
asyncapi: '2.6.0'
id: 'urn:e2ecred$$:app'
info: {title: app, version: '1.0.0'}
channels:
  _public.events:
    bindings: {kafka: {partitions: 1, replicas: 1}}
    publish:
      message: {name: record}
Y

sed "s/urn:e2ecred$$:app/urn:e2ecred$$:other/; s/title: app/title: other/" "$work/app.yaml" >"$work/other.yaml"

step "apply the product (and a neighbour); create its credential"
"$SM" apply "$work/app.yaml" >/dev/null
"$SM" apply "$work/other.yaml" >/dev/null
umask 022
out=$("$SM" credentials create --domain "urn:e2ecred$$:app" -o "$work/app.properties" 2>&1)
echo "$out"
t_assert_match "$out" "^created: SCRAM-SHA-512 of User:$D, written to .*app.properties \(mode 0600\)$" "create's one line"
t_assert_eq "$(stat -c %a "$work/app.properties")" 600 "file mode"
pw=$(sed -n 's/^password=//p' "$work/app.properties")
t_assert_eq "${#pw}" 32 "a 32-character password"
grep -q -- "$pw" <<<"$out" && t_fail "the password was printed"
t_assert_eq "$(sed -n 's/^username=//p' "$work/app.properties")" "$D" "username"
grep -qx "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$D\" password=\"$pw\";" \
        "$work/app.properties" || t_fail "no sasl.jaas.config line"
t_assert_eq "$(sed -n 's/^#librdkafka: //p' "$work/app.properties" | grep -c '^sasl\.')" 3 "librdkafka snippet: sasl.mechanisms/username/password"
t_assert_eq "$("$PROBE" "$SPECMESH_KAFKA_CONFIG" scram "$D")" SCRAM-SHA-512 "DescribeUserScramCredentials sees it"
t_assert_match "$(kafka_configs --describe --entity-type users --entity-name "$D" 2>&1)" "SCRAM-SHA-512=iterations=8192" "Kafka's ConfigCommand sees it"

step "Kafka's console producer authenticates with the file and writes to the product's topic"
works "$work/app.properties" "v1-$$" || t_fail "the new credential did not work"
T_CHECKS=$((T_CHECKS + 1))

step "create again is refused; the file is untouched"
cp "$work/app.properties" "$work/before"
rc=0
out=$("$SM" credentials create --domain "$D" -o "$work/app.properties" 2>&1) || rc=$?
t_assert_eq "$rc" 1 "exit status"
t_assert_match "$out" "already has a SCRAM-SHA-512 credential: use 'credentials rotate'" "message"
cmp -s "$work/before" "$work/app.properties" || t_fail "the file changed"

step "another product's credential is authenticated but not authorized on this topic"
"$SM" credentials create --domain "$OTHER" -o "$work/other.properties" >/dev/null
refused "$work/other.properties" "o-$$" "not authorized|TopicAuthorizationException"

step "rotate: the new password works, the old one does not"
cp "$work/app.properties" "$work/old.properties"
"$SM" credentials rotate --domain "$D" -o "$work/app.properties" | grep -q "^rotated: " || t_fail "rotate"
t_assert_eq "$(stat -c %a "$work/app.properties")" 600 "mode after rotate"
cmp -s "$work/old.properties" "$work/app.properties" && t_fail "rotate wrote the same file"
works "$work/app.properties" "v2-$$" || t_fail "the rotated credential did not work"
refused "$work/old.properties" "v-old-$$" "authentication failed|SaslAuthenticationException"
ls "$work" | grep -q tmp- && t_fail "a temporary file was left behind"

step "delete: neither password works; the probe sees none"
"$SM" credentials delete --domain "$D" | grep -qx "deleted: SCRAM-SHA-512 of User:$D" || t_fail "delete"
refused "$work/app.properties" "v-del-$$" "authentication failed|SaslAuthenticationException"
t_assert_eq "$("$PROBE" "$SPECMESH_KAFKA_CONFIG" scram "$D")" none "no credential left"
t_assert_eq "$("$SM" credentials delete --domain "$D")" "not there: SCRAM-SHA-512 of User:$D" "delete twice"

step "unusable domains are refused before anything is sent"
for bad in ANONYMOUS '*' "a.b._public" "a..b" admin "x/y"; do
        rc=0
        out=$("$SM" credentials create --domain "$bad" -o "$work/bad.properties" 2>&1) || rc=$?
        t_assert_eq "$rc" 1 "exit status for '$bad'"
        t_assert_match "$out" "cannot own a credential" "message for '$bad'"
done
[ -e "$work/bad.properties" ] && t_fail "a file was written for a refused domain"
t_assert_match "$("$SM" credentials create --domain "$D" 2>&1 || true)" "-o FILE is required" "no -o"

# --- byte fixtures against frames captured from the real broker ------------------------------
step "byte fixtures: our DescribeLogDirs and SCRAM-credential frames and Kafka's answers"
cap=$work/capture
: >"$cap"
python3 "$root/test/tools/kafka_relay.py" --capture "$cap" >"$work/port" 2>"$work/relay.log" &
relay_pid=$!
for _ in $(seq 1 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(head -1 "$work/port")
via=$work/via.properties
sed "s/^bootstrap.servers=.*/bootstrap.servers=127.0.0.1:$port/" "$SPECMESH_KAFKA_CONFIG" >"$via"
"$PROBE" "$via" logdirs "$TOPIC" >/dev/null
# the fixtures' user: delete (none there), create, describe, delete
"$SM" credentials delete --domain wire-fx-cred --kafka-config "$via" >/dev/null
t_assert_eq "$("$PROBE" "$via" scram wire-fx-cred)" none "wire-fx-cred: none"
"$SM" credentials create --domain wire-fx-cred --kafka-config "$via" -o "$work/fx.properties" >/dev/null
has512() { [ "$("$PROBE" "$via" scram wire-fx-cred)" = SCRAM-SHA-512 ]; }
for _ in $(seq 1 20); do has512 && break; sleep 0.5; done
has512 || t_fail "wire-fx-cred: no SCRAM-SHA-512 after create"
"$SM" credentials delete --domain wire-fx-cred --kafka-config "$via" >/dev/null
fixtures=("$root"/test/fixtures/kafka/{describe_log_dirs_v4_request,describe_user_scram_credentials_v0_request,describe_user_scram_credentials_v0_none,describe_user_scram_credentials_v0_sha512,alter_user_scram_credentials_v0_delete_request,alter_user_scram_credentials_v0_not_found,alter_user_scram_credentials_v0_ok}.hex)
out=$(python3 "$root/test/tools/kafka_fixture_check.py" "$cap" "${fixtures[@]}" 2>&1) ||
        t_fail "fixtures that Kafka did not send or accept:"$'\n'"$out"
t_assert_eq "$(grep -c '^ok ' <<<"$out")" "${#fixtures[@]}" "every fixture frame was on the wire"

t_done
