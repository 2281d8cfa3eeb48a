#!/usr/bin/env bash
# End-to-end: `specmesh plan | apply | export` against the real Kafka and Apicurio Registry.
# Applies Big Data London and two neighbours (one granted access to its _protected topic, one
# not), then checks the results with independent tools (kcat, Kafka's own admin tools, curl on
# the registry's REST API); then changes the spec and checks again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
ex=$(cd "$here/../../examples" && pwd)
work=$(mktemp -d)
BDL=london.hammersmith.olympia.bigdatalondon
TRN=london.hammersmith.transport
LHR=london.heathrow.transport
PURCHASE=$BDL._protected.retail.purchase
ATTENDEE=$BDL._public.attendee

cleanup() {
        e2e_forget_domain $BDL $TRN $LHR
        rm -rf "$work"
}
trap cleanup EXIT
cleanup_quiet() { cleanup >/dev/null 2>&1 || true; work=$(mktemp -d); }
cleanup_quiet
cp -r "$ex"/. "$work"/

step "plan on an empty cluster: changes pending (exit 2)"
rc=0
"$SM" plan "$work/bigdatalondon/asyncapi.yaml" >"$work/plan1.txt" || rc=$?
t_assert_eq "$rc" 2 "plan exit code with changes pending"
grep -q "$PURCHASE" "$work/plan1.txt" || t_fail "plan does not mention $PURCHASE"

step "apply Big Data London and its neighbours in one process (one shared observation)"
"$SM" apply "$work/bigdatalondon/asyncapi.yaml" "$work/transport/asyncapi.yaml" \
        "$work/heathrow/asyncapi.yaml" | tee "$work/apply1.txt"
grep -q "^3 products: 3 applied, 0 failed.$" "$work/apply1.txt" || t_fail "no summary of the three"

step "topics exist with the declared partitions (kcat -L)"
t_assert_eq "$(kafka_partitions "$PURCHASE")" 6 "partitions of $PURCHASE"
t_assert_eq "$(kafka_partitions "$ATTENDEE")" 3 "partitions of $ATTENDEE"
t_assert_eq "$(kafka_partitions "$BDL._private.ticket-scans")" 1 "partitions of ticket-scans"
t_assert_eq "$(kafka_partitions london.heathrow.transport._public.airport)" 1 "heathrow airport"
t_assert_eq "$(kafka_topic_config "$ATTENDEE" retention.ms)" 604800000 "retention.ms"

step "the exact ACL set of the domain (Kafka's own kafka-acls)"
kafka_acls_of "$BDL" >"$work/acls.txt"
cat "$work/acls.txt"
t_assert_eq "$(wc -l <"$work/acls.txt")" 14 "number of ACL bindings in $BDL"
grep -qx "TOPIC $BDL._public. PREFIXED User:\* READ ALLOW" "$work/acls.txt" ||
        t_fail "no public READ ACL"
grep -qx "TOPIC $PURCHASE LITERAL User:$TRN READ ALLOW" "$work/acls.txt" ||
        t_fail "no grant for $TRN"

step "subjects registered with FULL_TRANSITIVE (registry REST API)"
t_assert_eq "$(registry_latest_version "$ATTENDEE-value")" 1 "attendee-value version"
t_assert_eq "$(registry_schema_type "$PURCHASE-value")" JSON "purchase-value schemaType"
t_assert_eq "$(registry_compatibility "$ATTENDEE-value")" FULL_TRANSITIVE "compatibility"

step "a second plan and apply change nothing"
rc=0
"$SM" plan "$work/bigdatalondon/asyncapi.yaml" >/dev/null || rc=$?
t_assert_eq "$rc" 0 "plan exit code after apply"
"$SM" apply "$work/bigdatalondon/asyncapi.yaml" | tee "$work/apply2.txt"
grep -qi "no changes" "$work/apply2.txt" || t_fail "second apply did not report no changes"

step "real clients: the owner produces, the granted domain reads, the other is denied"
for d in $BDL $TRN $LHR; do kafka_add_scram_user "$d" "$d-secret"; done
echo '{"id":"p1","retailer":"subway","amountPence":650}' |
        kafka_produce "$BDL" "$BDL-secret" SCRAM-SHA-512 "$PURCHASE"
out=$(kafka_consume "$TRN" "$TRN-secret" SCRAM-SHA-512 "$PURCHASE" "$TRN.e2e") ||
        t_fail "granted consumer failed: $out"
t_assert_match "$out" '"p1"' "the granted domain reads the record"
rc=0
out=$(kafka_consume "$LHR" "$LHR-secret" SCRAM-SHA-512 "$PURCHASE" "$LHR.e2e") || rc=$?
[ "$rc" != 0 ] || t_fail "consumer without a grant was not denied: $out"
t_assert_match "$out" "[Nn]ot authorized" "the domain without a grant is denied"

step "change the spec: more partitions, a config, a revoked grant, a quota"
f=$work/bigdatalondon/asyncapi.yaml
python3 - "$f" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("partitions: 6", "partitions: 8")
s = s.replace("retention.ms: '604800000'", "retention.ms: '86400000'")
s = s.replace("        - name: 'grant-access:london.hammersmith.transport'\n", "")
s = s.replace("      tags:\n      message:\n        name: Purchase", "      message:\n        name: Purchase")
s += "x-specmesh-quotas:\n  producerByteRate: 1048576\n  consumerByteRate: 2097152\n"
open(p, "w").write(s)
EOF
rc=0
"$SM" plan "$f" || rc=$?
t_assert_eq "$rc" 2 "plan exit code after the edit"
"$SM" apply "$f"
t_assert_eq "$(kafka_partitions "$PURCHASE")" 8 "partitions after growing"
t_assert_eq "$(kafka_topic_config "$ATTENDEE" retention.ms)" 86400000 "retention.ms after edit"
t_assert_eq "$(kafka_acls_of "$BDL" | wc -l)" 12 "ACLs after revoking the grant"
t_assert_eq "$(kafka_user_quota "$BDL" producer_byte_rate)" 1048576 "producer_byte_rate"
rc=0
out=$(kafka_consume "$TRN" "$TRN-secret" SCRAM-SHA-512 "$PURCHASE" "$TRN.e2e2") || rc=$?
[ "$rc" != 0 ] || t_fail "revoked consumer still reads: $out"
t_assert_match "$out" "[Nn]ot authorized" "after the revoke the domain is denied"

step "out-of-band drift is reported and reverted"
kafka_alter_topic_config "$ATTENDEE" retention.ms=1000
kafka_alter_topic_config "$ATTENDEE" segment.ms=3600000
rc=0
"$SM" plan "$f" || rc=$?
t_assert_eq "$rc" 2 "plan exit code with drift"
"$SM" apply "$f"
t_assert_eq "$(kafka_topic_config "$ATTENDEE" retention.ms)" 86400000 "retention.ms reverted"
t_assert_eq "$(kafka_topic_config "$ATTENDEE" segment.ms)" "" "undeclared segment.ms removed"

step "a shrink is refused for that topic while the rest proceeds"
sed -i "s/partitions: 8/partitions: 3/; s/retention.ms: '86400000'/retention.ms: '172800000'/" "$f"
rc=0
"$SM" apply "$f" >"$work/shrink.txt" 2>&1 || rc=$?
cat "$work/shrink.txt"
t_assert_eq "$rc" 1 "apply exit code with a shrink"
grep -q "partitions cannot shrink (8 -> 3)" "$work/shrink.txt" || t_fail "no shrink message"
t_assert_eq "$(kafka_partitions "$PURCHASE")" 8 "partitions untouched"
t_assert_eq "$(kafka_topic_config "$ATTENDEE" retention.ms)" 172800000 "other change applied"
sed -i "s/partitions: 3/partitions: 8/" "$f"

step "several products in one apply: one refused (a shrink), the other still lands"
t="$work/transport/asyncapi.yaml"
sed -i "s/partitions: 8/partitions: 3/" "$f"
sed -i "s/partitions: 2/partitions: 7/" "$t"
rc=0
"$SM" apply "$f" "$t" >"$work/batch.txt" 2>&1 || rc=$?
t_assert_eq "$rc" 1 "exit code: one product failed"
grep -q "partitions cannot shrink (8 -> 3)" "$work/batch.txt" || t_fail "no shrink message"
grep -q "^2 products: 1 applied, 1 failed.$" "$work/batch.txt" || t_fail "no summary"
t_assert_eq "$(kafka_partitions "$PURCHASE")" 8 "the refused product's topic untouched"
t_assert_eq "$(kafka_partitions "$TRN._public.tube")" 7 "the other product of the same apply grew its topic"
sed -i "s/partitions: 3/partitions: 8/" "$f"

step "a replication-factor change is refused, never done by recreating the topic"
"$SM" apply "$f" >/dev/null # settle what the steps before left pending
python3 - "$f" <<'PY'
import sys; p = sys.argv[1]; s = open(p).read()
i = s.index("replicas: 1")  # the first channel's
open(p, "w").write(s[:i] + "replicas: 2" + s[i + len("replicas: 1"):])
PY
before=$(kafka_partitions "$ATTENDEE")
rc=0
"$SM" apply "$f" >"$work/rf.txt" 2>&1 || rc=$?
cat "$work/rf.txt"
t_assert_eq "$rc" 1 "apply exit code with a replication-factor change"
grep -q "replication factor cannot change (1 -> 2)" "$work/rf.txt" || t_fail "no replication-factor message"
t_assert_eq "$(kafka_partitions "$ATTENDEE")" "$before" "the topic is untouched"
sed -i "0,/replicas: 2/s//replicas: 1/" "$f"

step "an incompatible schema is refused with the registry's reasons"
avsc=$work/bigdatalondon/schema/$ATTENDEE.avsc
sed -i 's/{"name": "id", "type": "long", "doc": "Id of the human"},/{"name": "id", "type": "long", "doc": "Id of the human"}, {"name": "badge", "type": "string"},/' "$avsc"
rc=0
"$SM" apply "$f" >"$work/incompat.txt" 2>&1 || rc=$?
cat "$work/incompat.txt"
t_assert_eq "$rc" 1 "apply exit code with an incompatible schema"
grep -qi "incompatible" "$work/incompat.txt" || t_fail "no incompatibility message"
t_assert_eq "$(registry_latest_version "$ATTENDEE-value")" 1 "version unchanged"
cp "$ex/bigdatalondon/schema/$ATTENDEE.avsc" "$avsc"

step "export writes a document that plans no changes"
"$SM" export --domain "$BDL" >"$work/exported.yaml"
rc=0
"$SM" plan "$work/exported.yaml" || rc=$?
t_assert_eq "$rc" 0 "plan of the exported document"

step "a channel that leaves the spec: kept (Retain), deleted with --prune"
python3 - "$f" <<'EOF'
import re, sys
p = sys.argv[1]
s = open(p).read()
s = re.sub(r"  # produced \+ _private.*?(?=  # consumed)", "", s, flags=re.S)
open(p, "w").write(s)
EOF
"$SM" apply "$f" | tee "$work/retain.txt"
t_assert_eq "$(kafka_partitions "$BDL._private.ticket-scans")" 1 "orphan kept"
grep -qi "orphan" "$work/retain.txt" || t_fail "orphan not reported"
"$SM" apply --prune "$f"
t_assert_eq "$(kafka_partitions "$BDL._private.ticket-scans")" "" "pruned topic gone"

step "clear one-line errors: broker unreachable, bad password"
printf 'bootstrap.servers=127.0.0.1:1\nsecurity.protocol=PLAINTEXT\n' >"$work/down.properties"
rc=0
out=$("$SM" plan --kafka-config "$work/down.properties" "$f" 2>&1) || rc=$?
t_assert_eq "$rc" 1 "exit code with the broker down"
t_assert_eq "$(wc -l <<<"$out")" 1 "one line for the broker down: $out"
sed 's/^sasl.password=.*/sasl.password=wrong/' "$SPECMESH_KAFKA_CONFIG" >"$work/bad.properties"
rc=0
out=$("$SM" plan --kafka-config "$work/bad.properties" "$f" 2>&1) || rc=$?
t_assert_eq "$rc" 1 "exit code with a wrong password"
grep -qi "auth" <<<"$out" || t_fail "not an authentication error: $out"

step "the registry down: one line naming it, exit 1, nothing written in Kafka either"
e2e_forget_domain "$LHR"
rc=0
out=$("$SM" apply --registry-url http://127.0.0.1:1/apis/ccompat/v7 "$work/heathrow/asyncapi.yaml" 2>&1) || rc=$?
t_assert_eq "$rc" 1 "exit code with the registry down"
t_assert_eq "$(wc -l <<<"$out")" 1 "one line for the registry down: $out"
t_assert_match "$out" "schema registry http://127.0.0.1:1/.*(refused|connect)" "the message names the registry"
t_assert_eq "$(kafka_partitions london.heathrow.transport._public.airport)" "" "no topic created"
t_assert_eq "$(kafka_acls_of "$LHR" | wc -l)" 0 "no ACL created"
"$SM" apply "$work/heathrow/asyncapi.yaml" >/dev/null
t_assert_eq "$(kafka_partitions london.heathrow.transport._public.airport)" 1 "a re-run with the registry up finishes"

t_done
