#!/usr/bin/env bash
# `specmesh report storage|consumption` against the real broker. Two products are applied (a
# shop that owns a 3-partition _public topic and an ops domain that reads it); a known number
# of records of a known size is produced with Kafka's console producer and part of it is
# consumed by an ops consumer group. Checked: the storage report's bytes lie within the
# record-batch overhead of the payload and equal, to the byte, what Kafka's own LogDirsCommand
# reads; the consumption report's lag is exact and equals kafka-consumer-groups' LAG; topics
# and groups are attributed to their domains and principals; text, JSON and CSV agree.
#
# The bound on bytes (one replica per partition here: the stack has one broker). A record
# batch (magic v2, uncompressed) has a 61-byte header; each record is its length (zigzag
# varint: 1-2 bytes for a record under 8 KiB), attributes (1), timestamp delta (1-5), offset
# delta (1-2 for N < 8192), key length (-1: 1), value length (1 for V < 64), the V value bytes
# and a header count (1): between V + 7 and V + 13 bytes. There is at least one batch and at
# most one per record:   N*(V+7) + 61  <=  bytes  <=  N*(V+13) + N*61
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
work=$(mktemp -d)
E2E_TMP=${E2E_TMP:-$work}
SHOP=e2erpt$$.shop
OPS=e2erpt$$.ops
TOPIC=$SHOP._public.orders
GROUP=$OPS.billing
N=1000 V=40 READ=400
# kafka-consumer-groups: its class moved to tools.consumer.group in 4.x
CGC=$(kafka_class ConsumerGroupCommand 2>/dev/null || echo org.apache.kafka.tools.consumer.group.ConsumerGroupCommand)

cleanup() {
        kafka_tool "$CGC" --bootstrap-server 127.0.0.1:19092 \
                --command-config "$(kafka_admin_props)" --delete --group "$GROUP" >/dev/null 2>&1 || true
        e2e_forget_domain "$SHOP" "$OPS" >/dev/null 2>&1 || true
        rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/shop.yaml" <<Y
asyncapi: '2.6.0'
id: 'urn:e2erpt$$:shop'
info: {title: shop, version: '1.0.0'}
channels:
  _public.orders:
    bindings: {kafka: {partitions: 3, replicas: 1}}
    publish:
      message: {name: record}
Y
cat >"$work/ops.yaml" <<Y
asyncapi: '2.6.0'
id: 'urn:e2erpt$$:ops'
info: {title: ops, version: '1.0.0'}
channels:
  _private.notes:
    bindings: {kafka: {partitions: 1, replicas: 1}}
    publish:
      message: {name: record}
  $TOPIC:
    subscribe:
      message: {name: record}
Y

step "apply the shop and the ops products"
"$SM" apply "$work/shop.yaml" >/dev/null
"$SM" apply "$work/ops.yaml" >/dev/null

step "produce $N records of $V bytes with Kafka's console producer"
python3 -c "import sys; [print('%0${V}d' % i) for i in range($N)]" >"$work/records"
t_assert_eq "$(wc -c <"$work/records")" $((N * (V + 1))) "input: N lines of V bytes"
kafka_tool "$(kafka_class ConsoleProducer)" --bootstrap-server 127.0.0.1:19092 \
        --producer.config "$(kafka_admin_props)" --topic "$TOPIC" \
        --producer-property compression.type=none --producer-property linger.ms=50 \
        <"$work/records" >/dev/null

step "consume $READ of them as group $GROUP (one record per poll: the commit is exact)"
kafka_tool "$(kafka_class ConsoleConsumer)" --bootstrap-server 127.0.0.1:19092 \
        --consumer.config "$(kafka_admin_props)" --topic "$TOPIC" --group "$GROUP" \
        --from-beginning --max-messages $READ --consumer-property max.poll.records=1 \
        --timeout-ms 20000 >"$work/consumed" 2>/dev/null || true
t_assert_eq "$(wc -l <"$work/consumed")" $READ "records consumed"

step "storage report (JSON) of the shop domain"
"$SM" report storage --domain "$SHOP" -o json >"$work/storage.json"
cat "$work/storage.json"
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
bytes=$(field "$work/storage.json" 'd["topics"][0]["bytes"]')
t_assert_eq "$(field "$work/storage.json" 'len(d["topics"])')" 1 "one topic in the shop domain"
t_assert_eq "$(field "$work/storage.json" 'd["topics"][0]["topic"]')" "$TOPIC" "its name"
t_assert_eq "$(field "$work/storage.json" 'd["topics"][0]["partitions"]')" 3 "partitions"
t_assert_eq "$(field "$work/storage.json" 'd["topics"][0]["leaderBytes"]')" "$bytes" \
        "leader bytes = all bytes with one replica"
t_assert_eq "$(field "$work/storage.json" 'd["domains"][0]["bytes"]')" "$bytes" "product total"
lo=$((N * (V + 7) + 61)) hi=$((N * (V + 13) + N * 61))
echo "payload $((N * V)) B, on disk $bytes B, bound [$lo, $hi]"
((bytes >= lo && bytes <= hi)) || t_fail "bytes $bytes outside [$lo, $hi]"
T_CHECKS=$((T_CHECKS + 1))

step "the same bytes as Kafka's own LogDirsCommand"
kafka_tool "$(kafka_class LogDirsCommand)" --bootstrap-server 127.0.0.1:19092 \
        --command-config "$(kafka_admin_props)" --describe --topic-list "$TOPIC" >"$work/logdirs.out"
theirs=$(grep '^{' "$work/logdirs.out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(p["size"] for b in d["brokers"] for ld in b["logDirs"] for p in ld["partitions"]
          if not p.get("isFuture")))')
t_assert_eq "$bytes" "$theirs" "bytes = LogDirsCommand's sum"

step "text and CSV say the same; no --domain lists both domains"
"$SM" report storage --domain "urn:e2erpt$$:shop" -o csv >"$work/storage.csv"
t_assert_eq "$(sed -n 2p "$work/storage.csv")" "$SHOP,$TOPIC,3,1,$bytes,$bytes" "CSV row"
"$SM" report storage >"$work/storage.txt"
grep -qE "^$SHOP +$TOPIC +3 +1 +$bytes +$bytes\$" "$work/storage.txt" || t_fail "text row: $(grep "$SHOP" "$work/storage.txt")"
grep -qE "^$OPS +$OPS._private.notes +1 +1 +0 +0\$" "$work/storage.txt" || t_fail "ops row: $(grep "$OPS" "$work/storage.txt")"
grep -qE "^$SHOP +1 +$bytes +$bytes\$" "$work/storage.txt" || t_fail "domain total row"
T_CHECKS=$((T_CHECKS + 3))

step "consumption report: the ops group's exact lag on the shop topic"
"$SM" report consumption --domain "$SHOP" -o json >"$work/cons.json"
cat "$work/cons.json"
t_assert_eq "$(field "$work/cons.json" 'len(d["consumers"])')" 1 "one group reads the shop domain"
t_assert_eq "$(field "$work/cons.json" 'd["consumers"][0]["group"]')" "$GROUP" "the group"
t_assert_eq "$(field "$work/cons.json" 'd["consumers"][0]["lag"]')" $((N - READ)) "lag = N - read"
t_assert_eq "$(field "$work/cons.json" 'd["consumers"][0]["consumerDomain"]')" "$OPS" "consumer domain"
t_assert_eq "$(field "$work/cons.json" 'd["consumers"][0]["principal"]')" "User:$OPS" "principal"
t_assert_eq "$(field "$work/cons.json" 'd["consumers"][0]["topicDomain"]')" "$SHOP" "topic domain"
t_assert_eq "$(field "$work/cons.json" 'd["consumers"][0]["state"]')" Empty "state after the consumer left"
theirs=$(kafka_tool "$CGC" --bootstrap-server 127.0.0.1:19092 \
        --command-config "$(kafka_admin_props)" --describe --group "$GROUP" 2>/dev/null |
        awk -v t="$TOPIC" '$2 == t { s += $6 } END { print s }')
t_assert_eq "$theirs" $((N - READ)) "kafka-consumer-groups' LAG column"
"$SM" report consumption --domain "$SHOP" -o csv >"$work/cons.csv"
t_assert_eq "$(sed -n 2p "$work/cons.csv")" "$TOPIC,$SHOP,$GROUP,$OPS,User:$OPS,Empty,3,$((N - READ))" "CSV row"
t_assert_eq "$("$SM" report consumption --domain "$OPS" -o csv | wc -l)" 1 "nobody reads the ops domain"

step "errors: bad format, no kind"
t_assert_match "$("$SM" report storage -o yaml 2>&1 || true)" "use text, json or csv" "bad format"
rc=0
"$SM" report 2>/dev/null || rc=$?
t_assert_eq "$rc" 1 "no kind"

t_done
