#!/usr/bin/env bash
# Our own Kafka protocol client (pkg/kwire kconn + quota) against the real broker, through
# test/tools/quota_probe: client quotas set, read and removed over SASL PLAIN and SCRAM-SHA-256
# and -512, cross-checked with Kafka's own ConfigCommand; authentication and authorization
# failures; an unreachable broker. TLS through test/tools/kafka_relay.py, which terminates TLS
# (self-signed CA; the stack's broker has no TLS listener) and forwards the bytes unchanged to
# the real broker: verification, hostname check, client certificates. Last, the byte fixtures of
# the unit tests (test/fixtures/kafka) are checked against frames captured from the real broker.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
PROBE=${QUOTA_PROBE:-$(dirname "${SPECMESH_BIN:-$root/build/specmesh}")/quota_probe}
[ -x "$PROBE" ] || { echo "FAIL: no quota_probe at $PROBE (set QUOTA_PROBE)"; exit 1; }

user=wire-quota-d$$
scram=wire-scram-s$$
fx=wire-fx # the user name of the byte fixtures
relay_pids=()
cleanup() {
        local u m p
        for p in "${relay_pids[@]}"; do kill "$p" 2>/dev/null || true; done
        for u in "$user" "$fx"; do
                "$PROBE" "$SPECMESH_KAFKA_CONFIG" remove "$u" >/dev/null 2>&1 && continue
                # one key per request: the broker refuses to delete a key that is not set
                for m in producer_byte_rate consumer_byte_rate request_percentage; do
                        kafka_configs --alter --entity-type users --entity-name "$u" \
                                --delete-config "$m" >/dev/null 2>&1 || true
                done
        done
        kafka_acls --remove --force --allow-principal "User:$scram" --operation DescribeConfigs \
                --operation AlterConfigs --cluster >/dev/null 2>&1 || true
        for m in SCRAM-SHA-256 SCRAM-SHA-512; do
                kafka_configs --alter --entity-type users --entity-name "$scram" \
                        --delete-config "$m" >/dev/null 2>&1 || true
        done
}
trap cleanup EXIT

# probe ARGS...: run quota_probe, stdout and stderr together, "rc=N" as the last line
probe() {
        local rc=0 out
        out=$("$PROBE" "$@" 2>&1) || rc=$?
        printf '%s\nrc=%s\n' "$out" "$rc"
}
# quota_is USER KEY EXPECTED WHAT: Kafka's ConfigCommand reads EXPECTED for USER's KEY (it
# asks a broker, which learns of an alteration through the metadata log: wait up to 10 s)
quota_is() {
        local got
        for _ in $(seq 1 20); do
                got=$(kafka_user_quota "$1" "$2" || true) # no value: grep fails
                [ "$got" = "$3" ] && break
                sleep 0.5
        done
        t_assert_eq "$got" "$3" "$4"
}
# describe_is PROPS USER EXPECTED WHAT: quota_probe's describe prints EXPECTED (waits like quota_is)
describe_is() {
        local got
        for _ in $(seq 1 20); do
                got=$(probe "$1" describe "$2")
                [ "$got" = "$3" ] && break
                sleep 0.5
        done
        t_assert_eq "$got" "$3" "$4"
}
props() { # FILE KEY=VALUE...: a properties file
        local f=$E2E_TMP/$1
        shift
        printf '%s\n' "$@" >"$f"
        echo "$f"
}

step "PLAIN as admin (the stack's own properties file): no quota yet"
admin=$SPECMESH_KAFKA_CONFIG
t_assert_eq "$(probe "$admin" describe "$user")" "$(printf 'none\nrc=0')" "describe before"

step "set two keys; Kafka's ConfigCommand sees them"
probe "$admin" set "$user" producer_byte_rate=1048576 consumer_byte_rate=2097152 | tail -1 |
        grep -qx rc=0 || t_fail "set failed: $(probe "$admin" describe "$user")"
quota_is "$user" producer_byte_rate 1048576 "producer_byte_rate in Kafka"
quota_is "$user" consumer_byte_rate 2097152 "consumer_byte_rate in Kafka"
describe_is "$admin" "$user" "$(printf 'consumer_byte_rate=2097152\nproducer_byte_rate=1048576\nrc=0')" \
        "describe after set"

step "a value set with ConfigCommand is read back"
kafka_configs --alter --entity-type users --entity-name "$user" --add-config request_percentage=50 >/dev/null
describe_is "$admin" "$user" \
        "$(printf 'consumer_byte_rate=2097152\nproducer_byte_rate=1048576\nrequest_percentage=50\nrc=0')" \
        "request_percentage read"

step "set one key: the others are removed (Remove=true)"
t_assert_eq "$(probe "$admin" set "$user" producer_byte_rate=524288 | tail -1)" rc=0 "alter"
quota_is "$user" producer_byte_rate 524288 "producer_byte_rate in Kafka"
quota_is "$user" consumer_byte_rate "" "consumer_byte_rate gone in Kafka"
quota_is "$user" request_percentage "" "request_percentage gone in Kafka"

step "sasl.mechanism (singular) and a first bootstrap entry that refuses"
alt=$(props plain-alt.properties "bootstrap.servers=127.0.0.1:1,SASL_PLAINTEXT://127.0.0.1:19092" \
        security.protocol=SASL_PLAINTEXT sasl.mechanism=PLAIN sasl.username=admin \
        sasl.password=admin-secret)
describe_is "$alt" "$user" "$(printf 'producer_byte_rate=524288\nrc=0')" \
        "describe through the second entry"

step "remove everything"
t_assert_eq "$(probe "$admin" remove "$user" | tail -1)" rc=0 "remove"
quota_is "$user" producer_byte_rate "" "producer_byte_rate gone in Kafka"
describe_is "$admin" "$user" "$(printf 'none\nrc=0')" "describe after remove"

step "PLAIN with a wrong password: ERR_AUTH with the broker's message"
bad=$(props plain-bad.properties bootstrap.servers=127.0.0.1:19092 security.protocol=SASL_PLAINTEXT \
        sasl.mechanisms=PLAIN sasl.username=admin sasl.password=wrong)
out=$(probe "$bad" describe "$user")
# exactly one line, then the exit status for ERR_AUTH
t_assert_eq "$out" "$(printf '%s\nrc=3' "error: auth: kafka 127.0.0.1:19092: authentication failed: Authentication failed: Invalid username or password")" "wrong PLAIN password: one line"

step "SCRAM users (created with ConfigCommand): authenticated, but not authorized"
kafka_add_scram_user "$scram" "s3cret-$$"
for mech in SCRAM-SHA-512 SCRAM-SHA-256; do
        f=$(props "scram-$mech.properties" bootstrap.servers=127.0.0.1:19092 \
                security.protocol=SASL_PLAINTEXT "sasl.mechanisms=$mech" "sasl.username=$scram" \
                "sasl.password=s3cret-$$")
        out=$(probe "$f" describe "$user")
        t_assert_eq "$out" "$(printf '%s\nrc=3' "error: auth: kafka 127.0.0.1:19092: describe client quotas of user=$user: CLUSTER_AUTHORIZATION_FAILED (error 31)")" \
                "$mech: authenticated, then refused by the authorizer"
        f=$(props "scram-$mech-bad.properties" bootstrap.servers=127.0.0.1:19092 \
                security.protocol=SASL_PLAINTEXT "sasl.mechanisms=$mech" "sasl.username=$scram" \
                sasl.password=wrong)
        out=$(probe "$f" describe "$user")
        t_assert_eq "$out" "$(printf '%s\nrc=3' "error: auth: kafka 127.0.0.1:19092: authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism $mech")" \
                "$mech: wrong password: one line"
done

step "SCRAM users with DescribeConfigs/AlterConfigs on the cluster: the whole exchange works"
kafka_acls --add --allow-principal "User:$scram" --operation DescribeConfigs \
        --operation AlterConfigs --cluster >/dev/null
for mech in SCRAM-SHA-512 SCRAM-SHA-256; do
        f=$E2E_TMP/scram-$mech.properties
        ok=
        for _ in $(seq 1 20); do # the ACL reaches the broker through the metadata log
                if [ "$(probe "$f" describe "$user" | tail -1)" = rc=0 ]; then ok=1; break; fi
                sleep 0.5
        done
        [ -n "$ok" ] || t_fail "$mech: still refused: $(probe "$f" describe "$user")"
        t_assert_eq "$(probe "$f" set "$user" request_percentage=25 | tail -1)" rc=0 "$mech: alter"
        quota_is "$user" request_percentage 25 "$mech: value in Kafka"
        t_assert_eq "$(probe "$f" remove "$user" | tail -1)" rc=0 "$mech: remove"
        quota_is "$user" request_percentage "" "$mech: gone in Kafka"
done

step "nobody listening: ERR_TRANSIENT naming host:port"
down=$(props down.properties bootstrap.servers=127.0.0.1:1 security.protocol=SASL_PLAINTEXT \
        sasl.mechanisms=PLAIN sasl.username=admin sasl.password=admin-secret)
out=$(probe "$down" describe "$user")
t_assert_match "$out" "^error: transient: kafka: cannot connect to 127.0.0.1:1: Connection refused" "refused"
t_assert_match "$out" "rc=4$" "exit status for transient"

# --- TLS, through a relay to the real broker -----------------------------------------------------
# relay FILE ARGS...: start test/tools/kafka_relay.py (to the real broker), its port into FILE
# (not in a subshell: cleanup kills the relays it started)
relay() {
        local f=$1
        shift
        python3 "$root/test/tools/kafka_relay.py" "$@" >"$f" 2>>"$f.log" &
        relay_pids+=($!)
        for _ in $(seq 1 50); do [ -s "$f" ] && break; sleep 0.1; done
        [ -s "$f" ] || t_fail "the relay did not start: $(cat "$f.log")"
}
step "TLS: SASL_SSL to the real broker through a TLS-terminating relay"
d=$E2E_TMP/tls
mkdir -p "$d"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=wire-quota-ca" \
        -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/server.key" \
        -out "$d/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\n' >"$d/san.ext"
openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -days 2 -extfile "$d/san.ext" -out "$d/server.pem" 2>/dev/null
openssl req -newkey rsa:2048 -subj "/CN=client" -passout pass:kpass -keyout "$d/client.key" \
        -out "$d/client.csr" 2>/dev/null
openssl x509 -req -in "$d/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -days 2 -out "$d/client.pem" 2>/dev/null
relay "$d/port" --cert "$d/server.pem" --key "$d/server.key" --ca "$d/ca.pem"
port=$(head -1 "$d/port")
tls() { # FILE KEY=VALUE...: SASL_SSL properties for the relay, as admin
        local f=$1
        shift
        props "$f" "bootstrap.servers=${HOST:-localhost}:$port" security.protocol=SASL_SSL \
                sasl.mechanisms=PLAIN sasl.username=admin sasl.password=admin-secret "$@"
}
t_assert_eq "$(probe "$admin" set "$user" producer_byte_rate=4242 | tail -1)" rc=0 "a value to read over TLS"
want=$(printf 'producer_byte_rate=4242\nrc=0')
describe_is "$(tls tls-ok.properties "ssl.ca.location=$d/ca.pem")" "$user" "$want" \
        "TLS with ssl.ca.location: verified, the broker's answer read"
out=$(probe "$(tls tls-noca.properties)" describe "$user")
t_assert_match "$out" "^error: auth: kafka localhost:$port: TLS: broker certificate refused: (self-signed|unable to get local issuer)" "an unknown CA is refused"
out=$(HOST=127.0.0.1 probe "$(HOST=127.0.0.1 tls tls-ip.properties "ssl.ca.location=$d/ca.pem")" describe "$user")
t_assert_match "$out" "^error: auth: kafka 127.0.0.1:$port: TLS: broker certificate refused: .*mismatch" "a certificate for another name is refused"
f=$(HOST=127.0.0.1 tls tls-noident.properties "ssl.ca.location=$d/ca.pem" ssl.endpoint.identification.algorithm=none)
t_assert_eq "$(probe "$f" describe "$user")" "$want" "ssl.endpoint.identification.algorithm=none skips the name"
f=$(tls tls-noverify.properties enable.ssl.certificate.verification=false)
t_assert_eq "$(probe "$f" describe "$user")" "$want" "enable.ssl.certificate.verification=false"
: >"$d/port.log"
f=$(tls tls-client.properties "ssl.ca.location=$d/ca.pem" "ssl.certificate.location=$d/client.pem" \
        "ssl.key.location=$d/client.key" ssl.key.password=kpass)
t_assert_eq "$(probe "$f" set "$user" producer_byte_rate=4343 | tail -1)" rc=0 "alter over TLS with a client certificate (encrypted key)"
quota_is "$user" producer_byte_rate 4343 "the value set over TLS, in Kafka"
grep -q "peer cert: True" "$d/port.log" || t_fail "the relay saw no client certificate"
f=$(tls tls-badpass.properties "ssl.ca.location=$d/ca.pem" "ssl.certificate.location=$d/client.pem" \
        "ssl.key.location=$d/client.key" ssl.key.password=nope)
t_assert_match "$(probe "$f" describe "$user")" "^error: invalid: kafka config ssl.key.location: cannot read the private key: is ssl.key.password right" "a wrong ssl.key.password"

# --- the unit tests' byte fixtures against the real broker ------------------------------------
step "byte fixtures: the frames our client sends and Kafka answers, captured through a relay"
cap=$E2E_TMP/capture
: >"$cap"
relay "$E2E_TMP/cap-port" --capture "$cap"
port=$(head -1 "$E2E_TMP/cap-port")
via=$(props capture.properties "bootstrap.servers=127.0.0.1:$port" security.protocol=SASL_PLAINTEXT \
        sasl.mechanisms=PLAIN sasl.username=admin sasl.password=admin-secret)
probe "$admin" remove "$fx" >/dev/null
describe_is "$admin" "$fx" "$(printf 'none\nrc=0')" "$fx: no quota to start with"
t_assert_eq "$(probe "$via" set "$fx" producer_byte_rate=1048576 consumer_byte_rate=2097152 | tail -1)" \
        rc=0 "$fx: set two keys"
describe_is "$admin" "$fx" "$(printf 'consumer_byte_rate=2097152\nproducer_byte_rate=1048576\nrc=0')" "$fx: both set"
t_assert_eq "$(probe "$via" set "$fx" producer_byte_rate=1048576 | tail -1)" rc=0 "$fx: set one, remove the other"
describe_is "$admin" "$fx" "$(printf 'producer_byte_rate=1048576\nrc=0')" "$fx: one left"
t_assert_eq "$(probe "$via" set "$fx" producer_byte_rate=1048576 consumer_byte_rate=2097152 | tail -1)" \
        rc=0 "$fx: both again"
describe_is "$admin" "$fx" "$(printf 'consumer_byte_rate=2097152\nproducer_byte_rate=1048576\nrc=0')" "$fx: both again, read"
t_assert_match "$(probe "$via" set "$fx" producer_byte_rate=0.5)" "rc=1$" "$fx: a value Kafka refuses"
t_assert_eq "$(probe "$via" remove "$fx" | tail -1)" rc=0 "$fx: remove"
f=$(props capture-bad.properties "bootstrap.servers=127.0.0.1:$port" security.protocol=SASL_PLAINTEXT \
        sasl.mechanisms=PLAIN sasl.username=admin sasl.password=wrong)
t_assert_match "$(probe "$f" describe "$fx")" "rc=3$" "wrong password"
kafka_acls --remove --force --allow-principal "User:$scram" --operation DescribeConfigs \
        --operation AlterConfigs --cluster >/dev/null
f=$(props capture-scram.properties "bootstrap.servers=127.0.0.1:$port" security.protocol=SASL_PLAINTEXT \
        sasl.mechanisms=SCRAM-SHA-256 "sasl.username=$scram" "sasl.password=s3cret-$$")
for _ in $(seq 1 20); do # until the ACL's removal has reached the broker
        out=$(probe "$f" describe "$fx")
        grep -q CLUSTER_AUTHORIZATION_FAILED <<<"$out" && break
        sleep 0.5
done
t_assert_match "$out" "CLUSTER_AUTHORIZATION_FAILED" "a SCRAM user without cluster ACLs"
# every fixture but the ApiVersions response, whose FinalizedFeaturesEpoch differs per cluster
fixtures=()
for f in "$root"/test/fixtures/kafka/*.hex; do
        # the cluster-specific ApiVersions answer is not compared; DescribeLogDirs and the SCRAM
        # credential frames are checked by 35_credentials.sh, which sends them
        case $f in
        */api_versions_v3_response.hex | */describe_log_dirs_* | *_user_scram_credentials_*) ;;
        *) fixtures+=("$f") ;;
        esac
done
out=$(python3 "$root/test/tools/kafka_fixture_check.py" "$cap" "${fixtures[@]}" 2>&1) ||
        t_fail "fixtures that Kafka did not send or accept:"$'\n'"$out"
t_assert_eq "$(grep -c '^ok ' <<<"$out")" "${#fixtures[@]}" \
        "every fixture frame is one our client sent or Kafka ($(basename "$(dirname "$SPECMESH_KAFKA_LIB")")) answered"

t_done
