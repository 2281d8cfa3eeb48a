#!/usr/bin/env bash
# The broker is real and enforcing: SCRAM users authenticate, ACLs grant, no ACL means denied.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
topic=smoke.kafka.t$$
cleanup() {
        kafka_topics --delete --topic "$topic" >/dev/null 2>&1 || true
        kafka_acls --remove --force --topic "$topic" >/dev/null 2>&1 || true
        kafka_acls --remove --force --group smoke-readers >/dev/null 2>&1 || true
}
trap cleanup EXIT

step "create a topic with 2 partitions as admin"
kafka_topics --create --topic "$topic" --partitions 2 --replication-factor 1 >/dev/null
t_assert_eq "$(kafka_partitions "$topic")" 2 "partitions seen by kcat"

step "SCRAM users: a writer and reader with ACLs, a stranger without"
kafka_add_scram_user smoke-writer writer-secret
kafka_add_scram_user smoke-reader reader-secret
kafka_add_scram_user smoke-stranger stranger-secret
kafka_acls --add --allow-principal User:smoke-writer --operation WRITE --operation DESCRIBE --topic "$topic" >/dev/null
kafka_acls --add --allow-principal User:smoke-reader --operation READ --operation DESCRIBE --topic "$topic" >/dev/null
kafka_acls --add --allow-principal User:smoke-reader --operation READ --group smoke-readers >/dev/null

step "produce with SCRAM-SHA-512, consume with SCRAM-SHA-256 (Kafka's console clients)"
echo "hello-$$" | kafka_produce smoke-writer writer-secret SCRAM-SHA-512 "$topic"
out=$(kafka_consume smoke-reader reader-secret SCRAM-SHA-256 "$topic" smoke-readers)
t_assert_eq "$out" "hello-$$" "record read back"

step "a principal without an ACL is denied"
rc=0
out=$(kafka_consume smoke-stranger stranger-secret SCRAM-SHA-512 "$topic" smoke-strangers) || rc=$?
[ "$rc" != 0 ] || t_fail "stranger could read: $out"
t_assert_match "$out" "[Nn]ot authorized" "stranger gets an authorization error"

step "a wrong password fails authentication"
rc=0
out=$(kafka_consume smoke-reader wrong SCRAM-SHA-512 "$topic" smoke-readers) || rc=$?
[ "$rc" != 0 ] || t_fail "wrong password accepted"
t_assert_match "$out" "[Aa]uthentication failed" "wrong password is an authentication error"

step "kcat (librdkafka 2.0.2) works with PLAIN, as the admin"
t_assert_match "$(kcat -F "$SPECMESH_KAFKA_CONFIG" -L -t "$topic" 2>&1)" "2 partitions" "kcat -L as admin"
t_done
