#!/usr/bin/env bash
# End-to-end: moving a domain from the SpecMesh CLI (v0.20.2) to specmesh.
# Provisions domain e2e.mig exactly as SpecMesh does (KafkaApiSpec.requiredAcls, sent here over
# CreateAcls like SpecMesh's AdminClient, by test/tools/acl_admin, since Kafka 4.1's kafka-acls
# cannot make the PREFIXED cluster binding): PREFIXED ACLs without the trailing dot (`e2e.mig`,
# `e2e.mig._public`, `e2e.mig._private`) and a PREFIXED cluster ACL; plus two neighbours in the
# same form whose names start alike (`e2e.migx`, a sibling, and `e2e.mig.sub`, a nested domain).
# Then, with two consumers running (the owner in its group on its public topic, and another
# domain's principal reading it through the public grant), applies the spec with specmesh and
# checks with kafka-acls that:
#   the plan shows the 12 legacy bindings as replaced;
#   the final ACL set of the domain is exactly specmesh's (12 bindings), the legacy ones gone;
#   nothing else in the cluster changed (the neighbours' ACLs are untouched);
#   neither consumer was ever denied during the move (each authorizes every fetch and
#   heartbeat; an authorization failure ends it with an error), and both read a record
#   produced after the move; a second plan has no changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
ACL_ADMIN=${ACL_ADMIN:-$(dirname "$SM")/acl_admin}
[ -x "$ACL_ADMIN" ] || { echo "FAIL: no acl_admin at $ACL_ADMIN (set ACL_ADMIN)"; exit 1; }
work=$(mktemp -d)
D=e2e.mig
R=e2e.reader
SIB=e2e.migx
SUB=e2e.mig.sub
TOPIC=$D._public.events
pids=()

# every ACL binding of the names this test uses (e2e.mig, its look-alikes, e2e.reader), one
# sorted line each (other tests may change other ACLs meanwhile)
all_acls() {
        every_acl | grep -E "^[A-Z_]+ e2e\.(mig|reader)|^CLUSTER kafka-cluster [A-Z]+ User:e2e\.(mig|reader)" || true
}
every_acl() {
        kafka_acls --list 2>/dev/null | python3 -c '
import re, sys
res = None
for line in sys.stdin:
    m = re.search(r"ResourcePattern\(resourceType=(\w+), name=([^,]+), patternType=(\w+)\)", line)
    if m:
        res = m.groups(); continue
    m = re.search(r"principal=([^,]+), host=([^,]+), operation=(\w+), permissionType=(\w+)", line)
    if m and res:
        print(*res, m.group(1), m.group(3), m.group(4))' | sort
}
# acl_admin create|delete: exact bindings from stdin over librdkafka's CreateAcls/DeleteAcls
# (test/tools/acl_admin.c): Kafka 4.1's kafka-acls refuses `--cluster --resource-pattern-type
# prefixed`, the broker accepts that binding over CreateAcls
acl_admin() { "$ACL_ADMIN" "$SPECMESH_KAFKA_CONFIG" "$@"; }
# specmesh_form DOMAIN USER: the ACLs SpecMesh v0.20.2 creates for DOMAIN (KafkaApiSpec
# .requiredAcls), over CreateAcls like SpecMesh's own AdminClient; the TRANSACTIONAL_ID ones with
# kafka-acls (librdkafka 2.0.2 cannot express that resource type)
specmesh_form() {
        local d=$1 u=User:$2 op
        {
                for op in DESCRIBE READ WRITE DELETE; do echo "TOPIC $d PREFIXED $u $op"; done
                echo "TOPIC $d._private PREFIXED $u CREATE"
                echo "GROUP $d PREFIXED $u READ"
                echo "GROUP $d PREFIXED $u DELETE"
                echo "CLUSTER kafka-cluster PREFIXED $u IDEMPOTENT_WRITE"
                echo "TOPIC $d._public PREFIXED User:* DESCRIBE"
                echo "TOPIC $d._public PREFIXED User:* READ"
        } | acl_admin create
        kafka_acls --add --allow-principal "$u" --operation Describe --operation Write \
                --transactional-id "$d" --resource-pattern-type prefixed >/dev/null
}
# look_alike DOMAIN: a neighbour in SpecMesh's form whose name starts like ours: its prefixed
# topic and group, its public topics, its cluster ACL
look_alike() {
        local d=$1 u=User:$1
        acl_admin create <<-EOF
		TOPIC $d PREFIXED $u DESCRIBE
		TOPIC $d PREFIXED $u READ
		GROUP $d PREFIXED $u DESCRIBE
		GROUP $d PREFIXED $u READ
		TOPIC $d._public PREFIXED User:* DESCRIBE
		TOPIC $d._public PREFIXED User:* READ
		CLUSTER kafka-cluster PREFIXED $u IDEMPOTENT_WRITE
	EOF
}
# forget_legacy DOMAIN USER: remove the SpecMesh-form ACLs again (test clean-up)
forget_legacy() {
        local d=$1 u=User:$2
        kafka_acls --remove --force --topic "$d" --topic "$d._private" --topic "$d._public" \
                --group "$d" --transactional-id "$d" --resource-pattern-type prefixed >/dev/null 2>&1 || true
        echo "CLUSTER kafka-cluster PREFIXED $u IDEMPOTENT_WRITE" | acl_admin delete >/dev/null 2>&1 || true
}
cleanup() {
        local p
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        forget_legacy $D $D
        forget_legacy $SIB $SIB
        forget_legacy $SUB $SUB
        kafka_acls --remove --force --group "$R." --resource-pattern-type prefixed >/dev/null 2>&1 || true
        e2e_forget_domain $D
        rm -rf "$work"
}
trap cleanup EXIT
if kafka_acls --list 2>/dev/null | grep -q "name=e2e\.mig"; then # a run that died half-way
        cleanup >/dev/null 2>&1 || true
fi
work=$(mktemp -d)

cat >"$work/asyncapi.yaml" <<EOF
asyncapi: 2.6.0
id: urn:e2e:mig
info: {title: migrated from the SpecMesh CLI, version: 1.0.0}
channels:
  _public/events:
    bindings: {kafka: {partitions: 1, replicas: 1}}
    publish: {}
EOF

step "a domain as the SpecMesh CLI left it, with two look-alike neighbours"
kafka_topics --create --topic "$TOPIC" --partitions 1 --replication-factor 1 >/dev/null
specmesh_form $D $D
look_alike $SIB
look_alike $SUB
# the reader's own consumer group, as its own product would grant it
kafka_acls --add --allow-principal "User:$R" --operation Read --group "$R." \
        --resource-pattern-type prefixed >/dev/null
all_acls >"$work/before.txt"
legacy_re="^(TOPIC|GROUP|TRANSACTIONAL_ID) ($D|$D\\._public|$D\\._private) PREFIXED |^CLUSTER kafka-cluster PREFIXED User:$D "
t_assert_eq "$(grep -cE "$legacy_re" "$work/before.txt")" 12 "SpecMesh's 12 bindings of the domain"
t_assert_eq "$(grep -cE " ($D\\.|$D\\._public\\.|$D\\._private\\.) PREFIXED " "$work/before.txt")" 0 \
        "none in specmesh's form yet"
kafka_add_scram_user $D "$D-secret"
kafka_add_scram_user $R "$R-secret"
echo '{"n":1}' | kafka_produce $D "$D-secret" SCRAM-SHA-512 "$TOPIC"

step "plan: the 12 legacy bindings are shown as replaced"
rc=0
"$SM" plan "$work/asyncapi.yaml" >"$work/plan.txt" || rc=$?
cat "$work/plan.txt"
t_assert_eq "$rc" 2 "plan exit code"
t_assert_eq "$(grep -c "SpecMesh legacy form" "$work/plan.txt")" 12 "legacy bindings in the plan"
grep -q -- "- acl ALLOW User:\* READ TOPIC PREFIXED $D._public  (SpecMesh legacy form: replaced by PREFIXED $D._public.)" "$work/plan.txt" ||
        t_fail "the public read ACL is not shown as replaced"
grep -q -- "+ acl ALLOW User:\* READ TOPIC PREFIXED $D._public." "$work/plan.txt" ||
        t_fail "the replacing public ACL is not created"
if grep -E "$SIB|$SUB" "$work/plan.txt"; then t_fail "the plan touches a neighbour"; fi

step "two consumers run while specmesh applies"
consume_bg() { # NAME GROUP LOG: read TOPIC from the beginning until 2 records or 40 s
        kafka_tool "$(kafka_class ConsoleConsumer)" --bootstrap-server 127.0.0.1:19092 \
                --consumer.config "$(java_client_props "$1" "$1-secret" SCRAM-SHA-512)" \
                --topic "$TOPIC" --group "$2" --from-beginning --max-messages 2 \
                --timeout-ms 40000 >"$3" 2>&1 &
        pids+=($!)
}
consume_bg $D "$D.app" "$work/owner.log"
consume_bg $R "$R.app" "$work/reader.log"
for i in $(seq 1 60); do # bounded: both consumers have read the first record (30 s)
        grep -qs '"n":1' "$work/owner.log" && grep -qs '"n":1' "$work/reader.log" && break
        sleep 0.5
done
grep -q '"n":1' "$work/owner.log" || t_fail "the owner's consumer never started: $(cat "$work/owner.log")"
grep -q '"n":1' "$work/reader.log" || t_fail "the reader never started: $(cat "$work/reader.log")"
"$SM" apply "$work/asyncapi.yaml" | tee "$work/apply.txt"
sleep 3 # a few more fetches and heartbeats under the new set
echo '{"n":2}' | kafka_produce $D "$D-secret" SCRAM-SHA-512 "$TOPIC"
for p in "${pids[@]}"; do # bounded by the consumers' own --timeout-ms
        wait "$p" || true
done
pids=()
for who in owner reader; do
        if grep -iE "not authorized|AuthorizationException|authentication" "$work/$who.log"; then
                t_fail "the $who was denied during the move"
        fi
        t_assert_match "$(cat "$work/$who.log")" '"n":2' "the $who reads a record produced after the move"
done

step "the final set is exactly specmesh's; nothing else of these names changed"
all_acls >"$work/after.txt"
cat >"$work/ours.txt" <<EOF
CLUSTER kafka-cluster LITERAL User:$D IDEMPOTENT_WRITE ALLOW
GROUP $D. PREFIXED User:$D DELETE ALLOW
GROUP $D. PREFIXED User:$D READ ALLOW
TOPIC $D. PREFIXED User:$D DELETE ALLOW
TOPIC $D. PREFIXED User:$D DESCRIBE ALLOW
TOPIC $D. PREFIXED User:$D READ ALLOW
TOPIC $D. PREFIXED User:$D WRITE ALLOW
TOPIC $D._private. PREFIXED User:$D CREATE ALLOW
TOPIC $D._public. PREFIXED User:* DESCRIBE ALLOW
TOPIC $D._public. PREFIXED User:* READ ALLOW
TRANSACTIONAL_ID $D. PREFIXED User:$D DESCRIBE ALLOW
TRANSACTIONAL_ID $D. PREFIXED User:$D WRITE ALLOW
EOF
# expected: before, minus the domain's 12 legacy bindings, plus ours
grep -vE "$legacy_re" "$work/before.txt" | cat - "$work/ours.txt" | sort >"$work/expected.txt"
t_assert_eq "$(grep -cE "$legacy_re" "$work/after.txt")" 0 "legacy bindings left"
diff "$work/expected.txt" "$work/after.txt" || t_fail "the cluster's ACLs are not before - legacy + ours"
t_assert_eq "$(grep -cE "^[A-Z_]+ ($SIB|$SIB\._public|$SUB|$SUB\._public|kafka-cluster) PREFIXED User:(\*|$SIB|$SUB) " "$work/after.txt")" 14 \
        "the neighbours keep their 7 + 7 SpecMesh-form bindings"

step "a second plan has no changes"
rc=0
"$SM" plan "$work/asyncapi.yaml" >/dev/null || rc=$?
t_assert_eq "$rc" 0 "plan exit code after the move"
t_done
