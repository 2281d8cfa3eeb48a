#!/usr/bin/env bash
# Faults of scale on the real stack (issue #15), each ending with the invariant: the topics, ACL
# bindings, quota and subjects under this suite's prefix, read back with Kafka's own tools, kcat
# and the registry's REST API, are exactly what the products' plans (`specmesh plan --offline
# -o json`) declare.
#   (a) Kafka ACL limits: a product of 20 _protected topics with 260 grants each (10,412 ACL
#       bindings) through the operator. A KRaft controller refuses a whole CreateAcls that would
#       write more than 10,000 records and a DeleteAcls that would remove more than 10,000, so
#       the bindings must go in several requests: applied exactly, Ready; shrunk to 2 grants a
#       topic (10,360 deletes): exact again, Ready.
#   (c) a subject's compatibility changed behind the operator's back (PUT /config/<subject>)
#       -> set back at the next resync, with an Event.
#   (b) 10,000 unrelated ACL bindings in the cluster (created by test/tools/acl_admin over
#       librdkafka, deleted at the end) do not slow one product's `specmesh apply` by more than
#       2x: the median of 5 applies with and without them.
#   (d) a product of 2,600 topics of 3 partitions with one config each: 13,000 metadata records
#       where a KRaft controller writes at most 10,000 for one request and otherwise refuses every
#       topic in it ("Unable to perform excessively large batch operation"). `specmesh apply
#       --dry-run` (CreateTopics with validate_only, so nothing is made) has every topic
#       validated: the creates go in requests the controller takes.
# Everything this suite creates lies under acme.fscale (topics, ACLs, subjects, quota) and in its
# own namespace; the exit trap removes it, the 10,000 bindings first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
ACL_ADMIN=${ACL_ADMIN:-$(dirname "$SM")/acl_admin}
[ -x "$ACL_ADMIN" ] || t_fail "no acl_admin at $ACL_ADMIN (set ACL_ADMIN)"
root=$(cd "$here/../.." && pwd)
P=acme.fscale # the suite's prefix
BIG=$P.big
SMALL=$P.small
NOISE=$P.noise # the unrelated bindings: TOPIC $NOISE.t<j> LITERAL User:$NOISE.p<k> READ
TOPICS=20 GRANTS=260 SHRUNK=2
NOISE_PRINCIPALS=20 NOISE_TOPICS=500 # 10,000 bindings
RUNS=5
ns=fscale-$$-$RANDOM
PORT=19480 # the operator's /metrics
work=$(mktemp -d)
op_pid=
t_start=$(date +%s)
acl_admin() { "$ACL_ADMIN" "$SPECMESH_KAFKA_CONFIG" "$@"; }

stop_operator() {
        [ -n "$op_pid" ] || return 0
        kill -TERM "$op_pid" 2>/dev/null || true
        wait "$op_pid" 2>/dev/null || true
        op_pid=
}
# noise_filters FIRST LAST: one delete filter per noise principal (each matches 500 bindings; a
# KRaft controller removes at most 10,000 in one request)
noise_filters() {
        local k
        for k in $(seq "$1" "$2"); do echo "ANY - ANY User:$NOISE.p$k ANY ANY"; done
}
forget_noise() {
        noise_filters 0 9 | acl_admin delete >/dev/null || true
        noise_filters 10 $((NOISE_PRINCIPALS - 1)) | acl_admin delete >/dev/null || true
}
# forget: everything under $P but the noise, with two JVM starts (Kafka's tools are slow on a busy
# machine): ACLs by acl_admin's filters (a grantee's filter matches its bindings on every topic;
# 20 grantees a request stay under KRaft's 10,000 removals), topics by one regex
forget() {
        local d g i
        for g in $(seq 0 20 $((GRANTS - 1))); do
                for i in $(seq "$g" $((g + 19))); do echo "ANY - ANY User:$P.g$i ANY ANY"; done |
                        acl_admin delete >/dev/null || true
        done
        for d in "$BIG" "$SMALL"; do
                printf 'ANY - ANY User:%s ANY ANY\nTOPIC %s._public. PREFIXED User:* ANY ANY\n' "$d" "$d" |
                        acl_admin delete >/dev/null || true
        done
        if kcat -F "$SPECMESH_KAFKA_CONFIG" -L 2>/dev/null | grep -qF "\"$P."; then
                kafka_topics --delete --topic "acme\\.fscale\\..*" >/dev/null 2>&1 || true
        fi
        kafka_configs --alter --entity-type users --entity-name "$SMALL" \
                --delete-config producer_byte_rate >/dev/null 2>&1 || true
        for s in $(curl -sf "$SPECMESH_REGISTRY_URL/subjects?subjectPrefix=$P.&limit=100000" | python3 -c 'import json,sys; [print(s) for s in json.load(sys.stdin)]' | grep -F "$P."); do
                curl -sf -X DELETE "$SPECMESH_REGISTRY_URL/subjects/$s" >/dev/null || true
                curl -sf -X DELETE "$SPECMESH_REGISTRY_URL/subjects/$s?permanent=true" >/dev/null || true
        done
}
cleanup() {
        local rc=$? o
        stop_operator
        if [ "$rc" != 0 ] && [ -f "$work/operator.log" ]; then
                echo "--- operator log (tail)"
                tail -40 "$work/operator.log"
        fi
        forget_noise
        for o in $(kube_admin get dp -n "$ns" -o name 2>/dev/null); do
                kube_admin patch -n "$ns" "$o" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
                kube_admin delete -n "$ns" "$o" --wait=false >/dev/null 2>&1 || true
        done
        forget
        [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
forget_noise
forget >/dev/null 2>&1

# --- the invariant ------------------------------------------------------------------------
# expected PLAN-JSON KIND: what a plan declares, one sorted line per item (as 50_faults)
expected() {
        python3 -c '
import json, sys
kind = sys.argv[1]
out = []
for c in json.load(sys.stdin)["changes"]:
    if c["resource"] == "topic" and kind == "topics":
        out.append("%s %d" % (c["name"], c["partitions"]))
    elif c["resource"] == "acl" and kind == "acls":
        out.append(" ".join(c[k] for k in ("resourceType", "resourceName", "patternType",
                                           "principal", "operation", "permission")))
    elif c["resource"] == "quota" and kind == "quota":
        out += ["%s=%s" % (k, int(v) if float(v).is_integer() else v) for k, v in c["values"].items()]
    elif c["resource"] == "subject" and kind == "subjects":
        out.append(c["name"])
print("\n".join(sorted(out)))' "$2" <"$1"
}
# same ACTUAL EXPECTED WHAT: t_assert_eq for long lists (prints a count, or the first differences)
same() {
        T_CHECKS=$((T_CHECKS + 1))
        if [ "$1" != "$2" ]; then
                diff <(echo "$2") <(echo "$1") | head -20 >&2 || true
                t_fail "$3: differs (< expected, > actual)"
        fi
        printf 'ok: %s (%s lines)\n' "$3" "$(grep -c . <<<"$1" || true)"
}
# one listing of every ACL of the cluster (Kafka's AclCommand), read by actual_acls
snapshot_acls() { kafka_acls --list >"$work/acls.txt" 2>/dev/null; }
actual() { # DOMAIN KIND
        case $2 in
        topics)
                kcat -F "$SPECMESH_KAFKA_CONFIG" -L -J 2>/dev/null | python3 -c '
import json, sys
d = sys.argv[1] + "."
print("\n".join(sorted("%s %d" % (t["topic"], len(t["partitions"]))
                       for t in json.load(sys.stdin)["topics"] if t["topic"].startswith(d))))' "$1" ;;
        acls) python3 "$root/e2e/acl_lines.py" "$1" <"$work/acls.txt" | sort ;;
        quota)
                kafka_configs --describe --entity-type users --entity-name "$1" 2>/dev/null |
                        grep -oE '[a-z_]+_(rate|percentage)=[0-9.]+' | sed 's/\.0$//' | sort ;;
        subjects)
                curl -sf "$SPECMESH_REGISTRY_URL/subjects?subjectPrefix=$1.&limit=100000" | python3 -c '
import json, sys
d = sys.argv[1] + "."
print("\n".join(sorted(s for s in json.load(sys.stdin) if s.startswith(d))))' "$1" ;;
        esac
}
# invariant WHAT: under $P, Kafka and the registry hold exactly the union of the products' plans
# ($work/plan-<domain>.json, the last version applied of each); nothing else carries the prefix
invariant() {
        local d k plans=() a
        snapshot_acls
        for d in "$BIG" "$SMALL"; do
                [ -f "$work/plan-$d.json" ] && plans+=("$d")
        done
        for d in "${plans[@]}"; do
                for k in topics acls quota subjects; do
                        [ "$k" = quota ] && [ "$d" = "$BIG" ] && continue # the big product declares none
                        same "$(actual "$d" $k)" "$(expected "$work/plan-$d.json" $k)" "$1: $d's $k equal its plan"
                done
        done
        # nothing else under the prefix: no other topic, ACL or subject
        a=$(python3 "$root/e2e/acl_lines.py" "$P" <"$work/acls.txt" | grep -vE "^\S+ ($BIG|$SMALL)\.|^CLUSTER .* User:($BIG|$SMALL) " | grep -v " User:$NOISE\." || true)
        t_assert_eq "$a" "" "$1: no other ACL under $P"
        a=$(actual "$P" topics | grep -vE "^($BIG|$SMALL)\." || true)
        t_assert_eq "$a" "" "$1: no other topic under $P"
        a=$(actual "$P" subjects | grep -vE "^($BIG|$SMALL)\." || true)
        t_assert_eq "$a" "" "$1: no other subject under $P"
}

# --- the products -----------------------------------------------------------------------
# big_spec GRANTS: TOPICS _protected channels, each granted to GRANTS domains $P.g<i>
big_spec() {
        python3 - "$1" "$TOPICS" <<'PY'
import sys
grants, topics = int(sys.argv[1]), int(sys.argv[2])
print("asyncapi: '2.5.0'\nid: 'urn:acme:fscale:big'\ninfo: {title: Big, version: '1.0.0'}\nchannels:")
for t in range(topics):
    print("  _protected/t%02d:" % t)
    print("    bindings: {kafka: {partitions: 1, replicas: 1}}")
    print("    publish:")
    print("      tags:")
    for g in range(grants):
        print("        - {name: 'grant-access:acme.fscale.g%d'}" % g)
PY
}
# small_spec GRANTEE: one _public topic with a JSON Schema subject, one _protected granted to GRANTEE
small_spec() {
        cat <<Y
asyncapi: '2.5.0'
id: 'urn:acme:fscale:small'
info: {title: Small, version: '1.0.0'}
x-specmesh-quotas: {producerByteRate: 1048576}
channels:
  _public/readings:
    bindings: {kafka: {partitions: 2, replicas: 1}}
    publish:
      message:
        bindings: {kafka: {compatibility: BACKWARD}}
        payload: {type: object, properties: {value: {type: number}}}
  _protected/alerts:
    bindings: {kafka: {partitions: 1, replicas: 1}}
    publish:
      tags: [{name: 'grant-access:$1'}]
Y
}
manifest() { # NAME ASYNCAPI-FILE > manifest
        "$SM" manifest "$2" --name "$1" --namespace "$ns"
}
plan_offline() { # FILE DOMAIN: the plan on an empty cluster (exit 2: changes pending)
        "$SM" plan --offline "$1" -o json >"$work/plan-$2.json" || [ $? = 2 ] || t_fail "specmesh plan --offline $1"
}

cond() { kube_admin get dp -n "$ns" "$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].$3}" 2>/dev/null; }
# ready_at NAME: Ready=True for the object's current generation
ready_at() {
        local g o
        g=$(kube_admin get dp -n "$ns" "$1" -o jsonpath='{.metadata.generation}')
        o=$(kube_admin get dp -n "$ns" "$1" -o jsonpath='{.status.observedGeneration}')
        [ "$(cond "$1" Ready status)" = True ] && [ "$g" = "$o" ]
}
events() { # NAME REASON: how many Events of that reason the DataProduct has
        kube_admin get events -n "$ns" --field-selector "involvedObject.name=$1,reason=$2" \
                -o jsonpath='{range .items[*]}{.count}{"\n"}{end}' 2>/dev/null | awk '{n += $1} END {print n + 0}'
}

step "set-up: the CRD, deploy/'s RBAC, namespace $ns, the operator (resync 3 s)"
kube_admin apply -f "$root/crds/dataproducts.specmesh.io.yaml" >/dev/null
kube_admin wait --for=condition=Established crd/dataproducts.specmesh.io --timeout=30s >/dev/null
kube_admin apply -f "$root/deploy/00-namespace.yaml" -f "$root/deploy/10-serviceaccount.yaml" \
        -f "$root/deploy/20-rbac.yaml" >/dev/null
kube_admin create namespace "$ns" >/dev/null
"$SM" operator --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" --namespace "$ns" \
        --metrics-addr "127.0.0.1:$PORT" --resync 3 >>"$work/operator.log" 2>&1 &
op_pid=$!

step "(a) a product of $TOPICS topics x $GRANTS grants: more bindings than one KRaft request takes"
big_spec "$GRANTS" >"$work/big.yaml"
manifest big "$work/big.yaml" >"$work/big-dp.yaml"
plan_offline "$work/big.yaml" "$BIG"
want=$(expected "$work/plan-$BIG.json" acls | wc -l)
t_assert_eq "$want" $((TOPICS * GRANTS * 2 + 12)) "the plan declares $((TOPICS * GRANTS * 2 + 12)) ACL bindings"
printf '   manifest %s bytes\n' "$(wc -c <"$work/big-dp.yaml")"
t0=$(date +%s)
kube_admin apply --server-side -f "$work/big-dp.yaml" >/dev/null
wait_for 150 "the big product Ready" ready_at big
printf '   Ready in %ss\n' $(($(date +%s) - t0))
snapshot_acls
t_assert_eq "$(actual "$BIG" acls | wc -l)" "$want" "ACL bindings in Kafka (kafka-acls --list)"
same "$(actual "$BIG" acls)" "$(expected "$work/plan-$BIG.json" acls)" "every binding as planned"

step "(a) shrunk to $SHRUNK grants a topic: $((TOPICS * (GRANTS - SHRUNK) * 2)) deletes"
big_spec "$SHRUNK" >"$work/big.yaml"
manifest big "$work/big.yaml" >"$work/big-dp.yaml"
plan_offline "$work/big.yaml" "$BIG"
t0=$(date +%s)
kube_admin apply --server-side -f "$work/big-dp.yaml" >/dev/null
wait_for 240 "the shrunk product Ready" ready_at big
printf '   Ready in %ss\n' $(($(date +%s) - t0))
invariant "(a) after the shrink"
t_assert_eq "$(actual "$BIG" acls | wc -l)" $((TOPICS * SHRUNK * 2 + 12)) "ACL bindings in Kafka"

step "(c) a subject's compatibility changed behind the operator's back"
small_spec "$P.g0" >"$work/small.yaml"
manifest small "$work/small.yaml" >"$work/small-dp.yaml"
plan_offline "$work/small-dp.yaml" "$SMALL"
SUBJ=$SMALL._public.readings-value
kube_admin apply -f "$work/small-dp.yaml" >/dev/null
wait_for 60 "the small product Ready" ready_at small
t_assert_eq "$(registry_compatibility "$SUBJ")" BACKWARD "the subject's compatibility as declared"
n=$(events small Applied)
curl -sf -X PUT -H 'Content-Type: application/json' -d '{"compatibility": "NONE"}' \
        "$SPECMESH_REGISTRY_URL/config/$SUBJ" >/dev/null || t_fail "PUT /config/$SUBJ"
t0=$(date +%s)
compat_back() { [ "$(registry_compatibility "$SUBJ")" = BACKWARD ]; }
applied_more() { [ "$(events small Applied)" -gt "$n" ]; }
wait_for 30 "the compatibility set back" compat_back
wait_for 10 "an Applied Event for it" applied_more
printf '   set back in %ss\n' $(($(date +%s) - t0))
t_assert_match "$(kube_admin get events -n "$ns" --field-selector involvedObject.name=small,reason=Applied \
        -o jsonpath='{range .items[*]}{.message}{"\n"}{end}')" "." "the Event says what was applied"
invariant "(c) after the compatibility drift"
stop_operator # (b) measures the CLI alone

# --- (b) ------------------------------------------------------------------------------
# one timed `specmesh apply` of the small product, alternating its grantee so that every apply
# creates two bindings and deletes two
# (the grantee in use lives in a file: measure runs timed_apply in a subshell)
echo 0 >"$work/flip"
timed_apply() {
        local t0 t1 flip
        flip=$((1 - $(cat "$work/flip")))
        echo "$flip" >"$work/flip"
        small_spec "$P.g$flip" >"$work/small-$flip.yaml"
        t0=$(date +%s%N)
        "$SM" apply "$work/small-$flip.yaml" >"$work/apply.out" 2>&1 || { cat "$work/apply.out"; t_fail "specmesh apply"; }
        t1=$(date +%s%N)
        echo $(((t1 - t0) / 1000000))
}
median() { tr ' ' '\n' | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
measure() { # LABEL: RUNS timed applies; prints the median in ms
        local i ts=()
        for i in $(seq 1 "$RUNS"); do ts+=("$(timed_apply)"); done
        printf '   %s: %s ms (median %s)\n' "$1" "${ts[*]}" "$(echo "${ts[*]}" | median)" >&2
        echo "${ts[*]}" | median
}

step "(b) specmesh apply of one product without and with 10,000 unrelated ACL bindings"
timed_apply >/dev/null # warm: the first apply also re-creates what the operator's quota left
without=$(measure "without")
python3 - "$NOISE" "$NOISE_PRINCIPALS" "$NOISE_TOPICS" >"$work/noise.txt" <<'PY'
import sys
n, principals, topics = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for k in range(principals):
    for j in range(topics):
        print("TOPIC %s.t%d LITERAL User:%s.p%d READ" % (n, j, n, k))
PY
t0=$(date +%s)
acl_admin create <"$work/noise.txt" || t_fail "creating the 10,000 bindings"
printf '   10,000 bindings created in %ss\n' $(($(date +%s) - t0))
snapshot_acls
printf '   kafka-acls --list: %s lines, %s name the noise\n' "$(wc -l <"$work/acls.txt")" "$(grep -c noise "$work/acls.txt" || true)"
t_assert_eq "$(grep -c "principal=User:$NOISE\." "$work/acls.txt" || true)" $((NOISE_PRINCIPALS * NOISE_TOPICS)) "unrelated bindings in the cluster"
with=$(measure "with 10,000 more")
ratio=$(awk -v a="$with" -v b="$without" 'BEGIN {printf "%.2f", a / b}')
printf '   median apply: %s ms without, %s ms with; ratio %s\n' "$without" "$with" "$ratio"
t_assert_eq "$(awk -v r="$ratio" 'BEGIN {print (r <= 2.0) ? "yes" : "no"}')" yes "at most 2x slower (ratio $ratio)"
# the last apply's grantee is the one the invariant expects
small_spec "$P.g$(cat "$work/flip")" >"$work/small-last.yaml"
plan_offline "$work/small-last.yaml" "$SMALL"
invariant "(b) with 10,000 unrelated bindings"
t0=$(date +%s)
forget_noise
snapshot_acls
t_assert_eq "$(grep -c "principal=User:$NOISE\." "$work/acls.txt" || true)" 0 "the 10,000 bindings removed"
printf '   removed in %ss\n' $(($(date +%s) - t0))
step "(d) 2,600 topics (13,000 metadata records) in one product: validated in requests the controller takes"
python3 - 2600 >"$work/wide.yaml" <<'PY'
import sys
print("asyncapi: '2.5.0'\nid: 'urn:acme:fscale:wide'\ninfo: {title: Wide, version: '1.0.0'}\nchannels:")
for t in range(int(sys.argv[1])):
    print("  _public/t%04d:" % t)
    print("    bindings: {kafka: {partitions: 3, replicas: 1, configs: {retention.ms: '86400000'}}}")
    print("    publish: {summary: one of many}")
PY
rc=0
"$SM" apply --dry-run "$work/wide.yaml" >"$work/wide.out" 2>"$work/wide.err" || rc=$?
refused=$(grep -c "^error: " "$work/wide.err" || true)
grep -m3 "^error: " "$work/wide.err" || true
t_assert_eq "$refused" 0 "topics refused by the controller"
t_assert_eq "$rc" 0 "specmesh apply --dry-run exit code"
t_assert_eq "$(tail -1 "$work/wide.out")" "Apply dry run: none of 2612 changes made, 0 refused." "the dry run's summary"
t_assert_eq "$(kafka_topics --list 2>/dev/null | grep -c "^$P\.wide\." || true)" 0 "topics made by the dry run"
printf '\n53_faults_scale took %ss\n' $(($(date +%s) - t_start))
t_done
