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
#   in Kafka's own metadata log, all 12 creates were committed before the first legacy removal;
#   the final ACL set of the domain is exactly specmesh's (12 bindings), the legacy ones gone;
#   nothing else in the cluster changed (the neighbours' ACLs are untouched);
#   neither consumer was ever denied during the move (each authorizes every fetch and
#   heartbeat; an authorization failure ends it with an error), and both read a record
#   produced after the move; a second plan has no changes.
# Last, `specmesh operator` migrates a second domain (e2e.opmig) in SpecMesh's form from a
# DataProduct: its final set is exactly specmesh's, created before the legacy set is removed.
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
OPD=e2e.opmig # the operator's migration: a domain no pattern of the CLI part matches
root=$(cd "$here/../.." && pwd)
ns=mig-$$-$RANDOM # namespaces never finish deleting without a controller-manager: one per run
pids=()
op_pid=

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
# legacy_set DOMAIN: the 12 ACLs SpecMesh v0.20.2 creates for DOMAIN (KafkaApiSpec
# .requiredAcls; owner User:DOMAIN), one "TYPE NAME PATTERN PRINCIPAL OPERATION PERMISSION" each
legacy_set() {
        local d=$1 u=User:$1 op
        for op in DESCRIBE READ WRITE DELETE; do echo "TOPIC $d PREFIXED $u $op ALLOW"; done
        echo "TOPIC $d._private PREFIXED $u CREATE ALLOW"
        echo "TOPIC $d._public PREFIXED User:* DESCRIBE ALLOW"
        echo "TOPIC $d._public PREFIXED User:* READ ALLOW"
        echo "GROUP $d PREFIXED $u READ ALLOW"
        echo "GROUP $d PREFIXED $u DELETE ALLOW"
        echo "TRANSACTIONAL_ID $d PREFIXED $u DESCRIBE ALLOW"
        echo "TRANSACTIONAL_ID $d PREFIXED $u WRITE ALLOW"
        echo "CLUSTER kafka-cluster PREFIXED $u IDEMPOTENT_WRITE ALLOW"
}
# ours_set DOMAIN: the 12 specmesh creates for the spec below, sorted as every_acl prints them
ours_set() {
        local d=$1 u=User:$1
        sort <<-EOF
		CLUSTER kafka-cluster LITERAL $u IDEMPOTENT_WRITE ALLOW
		GROUP $d. PREFIXED $u DELETE ALLOW
		GROUP $d. PREFIXED $u READ ALLOW
		TOPIC $d. PREFIXED $u DELETE ALLOW
		TOPIC $d. PREFIXED $u DESCRIBE ALLOW
		TOPIC $d. PREFIXED $u READ ALLOW
		TOPIC $d. PREFIXED $u WRITE ALLOW
		TOPIC $d._private. PREFIXED $u CREATE ALLOW
		TOPIC $d._public. PREFIXED User:* DESCRIBE ALLOW
		TOPIC $d._public. PREFIXED User:* READ ALLOW
		TRANSACTIONAL_ID $d. PREFIXED $u DESCRIBE ALLOW
		TRANSACTIONAL_ID $d. PREFIXED $u WRITE ALLOW
	EOF
}
# look_alike_set DOMAIN: a neighbour in SpecMesh's form whose name starts like ours: its
# prefixed topic and group, its public topics, its cluster ACL (7 bindings)
look_alike_set() {
        local d=$1 u=User:$1
        cat <<-EOF
		TOPIC $d PREFIXED $u DESCRIBE
		TOPIC $d PREFIXED $u READ
		GROUP $d PREFIXED $u DESCRIBE
		GROUP $d PREFIXED $u READ
		TOPIC $d._public PREFIXED User:* DESCRIBE
		TOPIC $d._public PREFIXED User:* READ
		CLUSTER kafka-cluster PREFIXED $u IDEMPOTENT_WRITE
	EOF
}
# specmesh_form DOMAIN: make DOMAIN's legacy set, over CreateAcls like SpecMesh's own
# AdminClient; the TRANSACTIONAL_ID ones with kafka-acls (librdkafka 2.0.2 cannot express them)
specmesh_form() {
        legacy_set "$1" | grep -v '^TRANSACTIONAL_ID' | acl_admin create
        kafka_acls --add --allow-principal "User:$1" --operation Describe --operation Write \
                --transactional-id "$1" --resource-pattern-type prefixed >/dev/null
}
# forget_all: remove every ACL and topic this test makes (exact bindings: a JVM per kafka-acls
# call is slow, so only the TRANSACTIONAL_ID ones and the topics go through Kafka's tools)
forget_all() {
        local d
        {
                for d in $D $OPD; do legacy_set $d; ours_set $d; done
                look_alike_set $SIB
                look_alike_set $SUB
                echo "GROUP $R. PREFIXED User:$R READ"
        } | grep -v '^TRANSACTIONAL_ID' | acl_admin delete >/dev/null || true
        kafka_acls --remove --force --resource-pattern-type prefixed --transactional-id "$D" \
                --transactional-id "$D." --transactional-id "$OPD" --transactional-id "$OPD." \
                >/dev/null 2>&1 || true
        kafka_topics --delete --topic 'e2e\.(mig|opmig)\._public\.events' >/dev/null 2>&1 || true
}
# acl_log_order DOMAIN SINCE_MS: from Kafka's own metadata log (DumpLogSegments), the order in
# which the broker committed this move: "CREATES REMOVES ordered" when every create of the
# domain's dotted set since SINCE_MS precedes every removal of a legacy binding, else
# "... NOT ordered". Deterministic where a consumer only samples the window between the two.
acl_log_order() {
        local dir
        dir=$(sed -n 's/^metadata\.log\.dir=//p; s/^log\.dirs=//p' "$SPECMESH_STACK_STATE/kafka/server.properties" | head -1)
        # shellcheck disable=SC2046
        kafka_tool "$(kafka_class DumpLogSegments)" --cluster-metadata-decoder \
                --files $(ls "${dir%%,*}"/__cluster_metadata-0/*.log | paste -sd,) 2>/dev/null |
                python3 -c '
import json, re, sys
d, since = sys.argv[1], int(sys.argv[2])
owner = "User:" + d
def kind(b):  # "new", "legacy" or None for one ACL record of the log
    t, name, pat, who = b["resourceType"], b["resourceName"], b["patternType"], b["principal"]
    if b["permissionType"] != 3 or b["host"] != "*":
        return None
    if t == 4:  # CLUSTER: LITERAL is ours, PREFIXED SpecMesh'"'"'s
        return None if who != owner or name != "kafka-cluster" else {3: "new", 4: "legacy"}.get(pat)
    if pat != 4 or t not in (2, 3, 5) or who not in (owner, "User:*"):
        return None
    for base in (d, d + "._public", d + "._private"):
        if (who == "User:*") != base.endswith("._public"):
            continue
        if name == base + ".":
            return "new"
        if name == base:
            return "legacy"
    return None
byid, creates, removes = {}, [], []
for line in sys.stdin:
    m = re.search(r"offset: (\d+) CreateTime: (\d+) .*payload: (\{.*\})\s*$", line)
    if not m:
        continue
    off, ts, rec = int(m.group(1)), int(m.group(2)), json.loads(m.group(3))
    if rec["type"] == "ACCESS_CONTROL_ENTRY_RECORD":
        k = byid[rec["data"]["id"]] = kind(rec["data"])
        if ts >= since and k == "new":
            creates.append(off)
    elif rec["type"] == "REMOVE_ACCESS_CONTROL_ENTRY_RECORD":
        if ts >= since and byid.get(rec["data"]["id"]) == "legacy":
            removes.append(off)
ok = creates and removes and max(creates) < min(removes)
print(len(creates), len(removes), "ordered" if ok else "NOT ordered")
' "$1" "$2"
}
cleanup() {
        local p
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        if [ -n "$op_pid" ]; then
                kill -TERM "$op_pid" 2>/dev/null || true
                wait "$op_pid" 2>/dev/null || true
        fi
        kube_admin patch dp -n "$ns" opmig --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
        kube_admin delete dp -n "$ns" opmig --wait=false >/dev/null 2>&1 || true
        forget_all
        rm -rf "$work"
}
trap cleanup EXIT
if kafka_acls --list 2>/dev/null | grep -qE "name=e2e\.(mig|opmig)"; then # a run that died half-way
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
look_alike_set $SIB | acl_admin create
look_alike_set $SUB | acl_admin create
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
since=$(date +%s%3N)
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
ours_set $D >"$work/ours.txt"
# expected: before, minus the domain's 12 legacy bindings, plus ours
grep -vE "$legacy_re" "$work/before.txt" | cat - "$work/ours.txt" | sort >"$work/expected.txt"
t_assert_eq "$(grep -cE "$legacy_re" "$work/after.txt")" 0 "legacy bindings left"
diff "$work/expected.txt" "$work/after.txt" || t_fail "the cluster's ACLs are not before - legacy + ours"
t_assert_eq "$(grep -cE "^[A-Z_]+ ($SIB|$SIB\._public|$SUB|$SUB\._public|kafka-cluster) PREFIXED User:(\*|$SIB|$SUB) " "$work/after.txt")" 14 \
        "the neighbours keep their 7 + 7 SpecMesh-form bindings"

t_assert_eq "$(acl_log_order $D "$since")" "12 12 ordered" \
        "the metadata log: all 12 creates committed before the first of the 12 legacy removals"

step "a second plan has no changes"
rc=0
"$SM" plan "$work/asyncapi.yaml" >/dev/null || rc=$?
t_assert_eq "$rc" 0 "plan exit code after the move"

step "the operator migrates a domain in SpecMesh's form the same way"
kube_admin apply -f "$root/crds/dataproducts.specmesh.io.yaml" >/dev/null
kube_admin wait --for=condition=Established crd/dataproducts.specmesh.io --timeout=30s >/dev/null
kube_admin apply -f "$root/deploy/00-namespace.yaml" -f "$root/deploy/10-serviceaccount.yaml" \
        -f "$root/deploy/20-rbac.yaml" >/dev/null
kube_admin create namespace "$ns" >/dev/null
sed -e "s/urn:e2e:mig/urn:e2e:opmig/" "$work/asyncapi.yaml" >"$work/opmig.yaml"
kafka_topics --create --topic "$OPD._public.events" --partitions 1 --replication-factor 1 >/dev/null
specmesh_form $OPD $OPD
op_acls() { every_acl | grep -E "^[A-Z_]+ e2e\.opmig|^CLUSTER kafka-cluster [A-Z]+ User:e2e\.opmig " || true; }
op_legacy_re="^(TOPIC|GROUP|TRANSACTIONAL_ID) ($OPD|$OPD\\._public|$OPD\\._private) PREFIXED |^CLUSTER kafka-cluster PREFIXED User:$OPD "
t_assert_eq "$(op_acls | grep -cE "$op_legacy_re")" 12 "SpecMesh's 12 bindings of $OPD"
"$SM" manifest "$work/opmig.yaml" --name opmig --namespace "$ns" >"$work/opmig-dp.yaml"
since=$(date +%s%3N)
kube_admin apply -f "$work/opmig-dp.yaml" >/dev/null
"$SM" operator --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" --namespace "$ns" --metrics-addr 0 \
        --resync 0 >"$work/operator.log" 2>&1 &
op_pid=$!
kube_admin wait --for=condition=Ready dp/opmig -n "$ns" --timeout=60s >/dev/null ||
        t_fail "the DataProduct did not become Ready: $(tail -20 "$work/operator.log")"
ours_set $OPD >"$work/op-expected.txt"
op_acls >"$work/op-after.txt"
diff "$work/op-expected.txt" "$work/op-after.txt" || t_fail "$OPD's ACLs are not exactly specmesh's"
t_assert_eq "$(grep -cE "$op_legacy_re" "$work/op-after.txt")" 0 "legacy bindings of $OPD left"
t_assert_match "$(grep 'msg="applied' "$work/operator.log" | head -1)" 'applied 24 of 24 changes' \
        "the operator's apply: 12 creates and 12 legacy deletes"
t_assert_eq "$(acl_log_order $OPD "$since")" "12 12 ordered" \
        "the metadata log: the operator's 12 creates committed before its 12 legacy removals"
kill -TERM "$op_pid"
wait "$op_pid" || t_fail "the operator did not stop cleanly"
op_pid=
t_done
