#!/usr/bin/env bash
# Kubernetes-side faults (issue #15) against a PRIVATE etcd + kube-apiserver that this suite
# starts (127.0.0.1:12381/12382 and :16450, state in a temporary directory, watch cache off so
# that a compacted revision answers 410 Gone), with the shared stack's Kafka and registry. The
# operators reach the API server through loopback relays (e2e/kube_relay.py) that can freeze or
# drop the path. Each case ends with the invariant: Kafka's topics (and partitions) and ACL
# bindings and the registry's subjects under this run's domain prefix are exactly the union of
# the live DataProducts' plans (`specmesh plan --offline -o json`), and every DataProduct is
# Ready with observedGeneration == generation.
#   (a) the API server restarted during a watch; edits right before the stop and right after
#       the start are both applied (a missed event would leave the old partition count)
#   (b) 410 Gone for real: the watch frozen, an edit and a deletion, etcd compacted at its
#       current revision, the path dropped -> "resourceVersion too old", relist, both acted on
#   (e) a product deleted while the operator is down -> finalizer done at start, topics gone
#   (f) 20 patches to one product within a second -> the last generation wins, no leftovers
#   (d) SIGTERM right after a 30-topic apply starts -> it finishes or the successor does it;
#       every change applied once in all
#   (c) two replicas (--leader-elect, lease 6 s, renew deadline 4 s) and the API server
#       unreachable for both (the leader's path one-way: it hears an edit, none of its requests
#       get through) -> the leader says it lost leadership before its lease could expire and
#       exits 1; the edit is not applied to Kafka while unreachable; the API server back -> a
#       replica leads again and converges
#   (c2) only the leader's path broken -> it stops before the standby takes over (log
#       timestamps), no Kafka write from it, the standby applies the edit
# Prints a table: case, provoked, time to converge, invariant held.
set -euo pipefail
shopt -s nullglob # no product left: "$work"/m/*.plan.json is no file, not a literal name
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
SM=${SPECMESH_BIN:?}
root=$(cd "$here/../.." && pwd)
BIN=${SPECMESH_CACHE:-$HOME/.cache/specmesh}/bin
work=$(mktemp -d)
RUN=k$$
P=fkube.$RUN # every domain of this run: fkube.$RUN.<product>
ns=fkube
API=16450    # the private kube-apiserver
RELAY1=16451 # operator 1's path to it
RELAY2=16452 # operator 2's path to it
ETCD=12381
ETCD_PEER=12382
TOKEN=fkube-admin-$RANDOM$RANDOM
OPTOKEN=fkube-op-$RANDOM$RANDOM
declare -A op_pid=()
etcd_pid= api_pid= relay_pids=()
results=()
t_start=$(date +%s)

# --- processes ----------------------------------------------------------------------------
stop_pid() { # PID [SIGNAL]: signal, wait up to 20 s, then KILL
        local p=$1 i
        [ -n "$p" ] || return 0
        kill "-${2:-TERM}" "$p" 2>/dev/null || true
        kill -CONT "$p" 2>/dev/null || true
        for i in $(seq 1 80); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
}
cleanup() {
        local rc=$? n d
        set +e
        trap - ERR
        for n in "${!op_pid[@]}"; do stop_pid "${op_pid[$n]}"; done
        if [ "$rc" != 0 ]; then
                for n in "$work"/op-*.log; do
                        [ -f "$n" ] && { echo "--- $n (tail)"; tail -30 "$n"; }
                done
                [ -f "$work/apiserver.log" ] && { echo "--- apiserver.log (tail)"; tail -15 "$work/apiserver.log"; }
        fi
        for n in "${relay_pids[@]}"; do stop_pid "$n"; done
        stop_pid "$api_pid"
        stop_pid "$etcd_pid"
        if [ "$rc" != 0 ] || [ -n "$(state_topics)" ]; then forget_run; fi
        [ -n "${E2E_KEEP:-}" ] || rm -rf "$work"
}
# forget_run: remove every topic, ACL binding and subject under $P. in four tool calls (the
# suite's own clean-up is through the operator; this is for a failed run)
forget_run() {
        local t args
        # by pattern: a topic an operator created while stopping may not be listed yet
        kafka_topics --delete --topic "${P//./\\.}\\..*" >/dev/null 2>&1 || true
        for pat in prefixed literal; do
                mapfile -t args < <(state_acls | awk -v p="${pat^^}" '$3 == p && $1 != "CLUSTER" {
                        o = $1 == "TOPIC" ? "--topic" : $1 == "GROUP" ? "--group" : "--transactional-id"
                        if (!seen[o " " $2]++) print o "\n" $2 }')
                ((${#args[@]})) || continue
                kafka_acls --remove --force --resource-pattern-type $pat "${args[@]}" >/dev/null 2>&1 || true
        done
        mapfile -t args < <(state_acls | awk '$1 == "CLUSTER" && !seen[$4]++ { print "--allow-principal\n" $4 }')
        ((${#args[@]})) && kafka_acls --remove --force --cluster --operation IdempotentWrite "${args[@]}" >/dev/null 2>&1
        for t in $(state_subjects); do
                curl -sf -X DELETE "$SPECMESH_REGISTRY_URL/subjects/$t" >/dev/null || true
                curl -sf -X DELETE "$SPECMESH_REGISTRY_URL/subjects/$t?permanent=true" >/dev/null || true
        done
}
trap cleanup EXIT
set -E # say where a command failed under set -e (else the suite ends without a word)
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR
[ -z "${E2E_KEEP:-}" ] || echo "work directory: $work"

for p in $API $RELAY1 $RELAY2 $ETCD $ETCD_PEER 16455 16456 16457; do
        if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then t_fail "port $p is in use"; fi
done

start_etcd() {
        "$BIN/etcd" --name fkube --data-dir "$work/etcd" \
                --listen-client-urls "http://127.0.0.1:$ETCD" --advertise-client-urls "http://127.0.0.1:$ETCD" \
                --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" \
                --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
                --initial-cluster "fkube=http://127.0.0.1:$ETCD_PEER" --unsafe-no-fsync \
                >"$work/etcd.log" 2>&1 &
        etcd_pid=$!
}
start_apiserver() {
        "$BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD" \
                --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port=$API \
                --cert-dir="$work/pki" --service-account-issuer="https://127.0.0.1:$API" \
                --service-account-key-file="$work/sa.pub" --service-account-signing-key-file="$work/sa.key" \
                --token-auth-file="$work/tokens.csv" --authorization-mode=RBAC \
                --service-cluster-ip-range=10.0.1.0/24 --watch-cache=false \
                >>"$work/apiserver.log" 2>&1 &
        api_pid=$!
}
api_ready() { curl -sfk -H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$API/readyz" >/dev/null; }
etcd_ready() { curl -sf "http://127.0.0.1:$ETCD/health" >/dev/null; }
# relay N MODE: set relay N's mode (open, freeze, oneway, drop: e2e/kube_relay.py)
relay() { echo "$2" >"$work/relay$1.mode"; }
kubeconfig() { # FILE PORT TOKEN
        cat >"$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: fkube
  cluster:
    server: https://127.0.0.1:$2
    certificate-authority-data: $(base64 -w0 <"$work/pki/apiserver.crt")
users:
- name: u
  user: {token: $3}
contexts:
- name: u@fkube
  context: {cluster: fkube, user: u}
current-context: u@fkube
KC
}
kc() { kubectl --kubeconfig "$work/admin.kubeconfig" "$@"; }

# start_op NAME RELAY [flags]: `specmesh operator` as the ServiceAccount (deploy/'s RBAC),
# through relay RELAY, resyncing every 2 s
start_op() {
        local name=$1 r=$2 port=$((16454 + $2))
        shift 2
        [ "$name" = op-c ] && port=16457
        "$SM" operator --kubeconfig "$work/op$r.kubeconfig" --namespace "$ns" \
                --metrics-addr "127.0.0.1:$port" --resync 2 "$@" >>"$work/$name.log" 2>&1 &
        op_pid[$name]=$!
}
exited() { # PID: a child of ours has exited (a zombie until waited for counts as exited)
        local st
        st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
        [ -z "$st" ] || [ "$st" = Z ]
}
stop_op() { # NAME: SIGTERM; sets op_rc
        op_rc=0
        kill -TERM "${op_pid[$1]}" 2>/dev/null || true
        wait "${op_pid[$1]}" || op_rc=$?
        unset "op_pid[$1]"
}

# --- products -----------------------------------------------------------------------------
# product NAME TOPICS PARTITIONS RETENTION READER: write NAME's spec, manifest (deletionPolicy
# Delete) and offline plan; TOPICS protected topics t0.., each granted to User:READER
product() {
        local name=$1 n=$2 parts=$3 ret=$4 reader=$5 i
        mkdir -p "$work/m"
        {
                printf "asyncapi: '2.5.0'\nid: 'urn:fkube:%s:%s'\n" "$RUN" "$name"
                printf "info: {title: %s, version: '1.0.0'}\nchannels:\n" "$name"
                for i in $(seq 0 $((n - 1))); do
                        cat <<Y
  _protected/t$i:
    bindings: {kafka: {partitions: $parts, replicas: 1, configs: {retention.ms: '$ret'}}}
    publish:
      tags: [{name: 'grant-access:$reader'}]
      message:
        payload: {type: object, properties: {n$i: {type: string}}}
Y
                done
        } >"$work/m/$name.asyncapi.yaml"
        "$SM" manifest "$work/m/$name.asyncapi.yaml" --name "$name" --namespace "$ns" >"$work/m/$name.yaml"
        printf '  deletionPolicy: Delete\n' >>"$work/m/$name.yaml"
        "$SM" plan --offline "$work/m/$name.yaml" -o json >"$work/m/$name.plan.json" || [ $? = 2 ] ||
                t_fail "specmesh plan --offline $name"
}
forget_product() { rm -f "$work/m/$1".*; } # NAME: no longer expected

# --- the invariant ------------------------------------------------------------------------
expected() { # KIND: topics | acls | subjects, union over the live products' plans
        python3 - "$1" "$work"/m/*.plan.json <<'PY'
import json, sys
kind, out = sys.argv[1], set()
for f in sys.argv[2:]:
    for c in json.load(open(f))["changes"]:
        if c["resource"] == "topic" and kind == "topics":
            out.add("%s %d" % (c["name"], c["partitions"]))
        elif c["resource"] == "acl" and kind == "acls":
            out.add(" ".join(c[k] for k in ("resourceType", "resourceName", "patternType",
                                            "principal", "operation", "permission")))
        elif c["resource"] == "subject" and kind == "subjects":
            out.add(c["name"])
print("\n".join(sorted(out)))
PY
}
state_topics() {
        kcat -F "$SPECMESH_KAFKA_CONFIG" -L -J 2>/dev/null | python3 -c '
import json, sys
d = sys.argv[1] + "."
print("\n".join(sorted("%s %d" % (t["topic"], len(t["partitions"]))
                       for t in json.load(sys.stdin)["topics"] if t["topic"].startswith(d))))' "$P"
}
state_acls() { # every binding on a resource under $P. or held by a principal of $P.*
        kafka_acls --list 2>/dev/null | python3 -c '
import re, sys
p, res, out = sys.argv[1] + ".", None, set()
for line in sys.stdin:
    m = re.search(r"ResourcePattern\(resourceType=(\w+), name=([^,]+), patternType=(\w+)\)", line)
    if m:
        res = m.groups()
        continue
    m = re.search(r"principal=([^,]+), host=([^,]+), operation=(\w+), permissionType=(\w+)", line)
    if m and res and (res[1].startswith(p) or m.group(1).startswith("User:" + p)):
        out.add(" ".join(res + (m.group(1), m.group(3), m.group(4))))
print("\n".join(sorted(out)))' "$P"
}
state_subjects() {
        # the registry lists 1,000 subjects unless asked for more (the shared one holds more)
        curl -sf "$SPECMESH_REGISTRY_URL/subjects?limit=100000" | python3 -c '
import json, sys
d = sys.argv[1] + "."
print("\n".join(sorted(s for s in json.load(sys.stdin) if s.startswith(d))))' "$P"
}
# statuses_true: the live DataProducts are exactly the expected ones, each Ready with
# observedGeneration == generation and not being deleted
statuses_true() {
        local want
        want=$(cd "$work/m" && ls -- *.plan.json 2>/dev/null | sed 's/\.plan\.json$//' | sort | tr '\n' ' ')
        kc get dp -n "$ns" -o json | python3 -c '
import json, sys
want, bad, names = sys.argv[1].split(), [], []
for o in json.load(sys.stdin)["items"]:
    m, s = o["metadata"], o.get("status", {})
    names.append(m["name"])
    ready = [c for c in s.get("conditions", []) if c["type"] == "Ready"]
    if m.get("deletionTimestamp") or not ready or ready[0]["status"] != "True" \
            or s.get("observedGeneration") != m["generation"]:
        bad.append("%s gen %s observed %s ready %s" % (m["name"], m["generation"],
                   s.get("observedGeneration"), ready[0]["status"] if ready else "-"))
if sorted(names) != sorted(want):
    bad.append("objects %s, expected %s" % (sorted(names), sorted(want)))
if bad:
    print("; ".join(bad), file=sys.stderr)
    sys.exit(1)' "$want"
}
# converge CASE PROVOKED SINCE SECONDS [baseline]: wait for the invariant, assert it, record
# the row. The time is until it was seen to hold; an ACL listing (a JVM) takes ~3 s of it.
# Cases other than a baseline also pass e2e/invariant.py (configs, quotas, status fields).
converge() {
        local c=$1 what=$2 since=$3 s=$4 i held=no st top sub acl=
        for i in $(seq 1 $((s * 2))); do # a poll takes a second or more: bounded in time too
                (($(date +%s) - since <= s)) || break
                st=$(statuses_true 2>/dev/null && echo true || true)
                top=$(state_topics || true)
                sub=$(state_subjects || true)
                if [ "$st" = true ] && [ "$top" = "$(expected topics)" ] && [ "$sub" = "$(expected subjects)" ]; then
                        acl=$(state_acls || true)
                        [ "$acl" = "$(expected acls)" ] && held=yes && break
                fi
                sleep 0.5
        done
        local took=$(($(date +%s) - since))
        results+=("$c|$what|${took}s|$held")
        printf '   (%s) converged in %ss: %s\n' "$c" "$took" "$held"
        [ "$held" = yes ] || { statuses_true || true; acl=$(state_acls); }
        t_assert_eq "$top" "$(expected topics)" "($c) topics and partitions equal the plans"
        t_assert_eq "$acl" "$(expected acls)" "($c) ACL bindings equal the plans"
        t_assert_eq "$sub" "$(expected subjects)" "($c) subjects equal the plans"
        t_assert_eq "$st" true "($c) every status Ready at its generation"
        [ -z "${5:-}" ] || return 0
        e2e_invariant "$ns" "$P." --kubeconfig "$work/admin.kubeconfig" --all-ready --quiet
        printf 'ok: (%s) e2e/invariant.py holds\n' "$c"
}
gen() { kc get dp -n "$ns" "$1" -o jsonpath='{.metadata.generation}'; }
observed() { kc get dp -n "$ns" "$1" -o jsonpath='{.status.observedGeneration}'; }
has_dp() { [ -n "$(kc get dp -n "$ns" "$1" --ignore-not-found -o name)" ]; }
partitions_are() { [ "$(kafka_partitions "$1")" = "$2" ]; }

step "a private etcd + kube-apiserver (watch cache off), two relays, the CRD and deploy/'s RBAC"
mkdir -p "$work/pki"
openssl genrsa -out "$work/sa.key" 2048 2>/dev/null
openssl rsa -in "$work/sa.key" -pubout -out "$work/sa.pub" 2>/dev/null
{
        printf '%s,admin,uid-admin,"system:masters"\n' "$TOKEN"
        printf '%s,system:serviceaccount:specmesh-system:specmesh-operator,uid-op,"system:serviceaccounts,system:serviceaccounts:specmesh-system"\n' "$OPTOKEN"
} >"$work/tokens.csv"
start_etcd
wait_for 30 "the private etcd" etcd_ready
start_apiserver
wait_for 90 "the private kube-apiserver" api_ready
kubeconfig "$work/admin.kubeconfig" $API "$TOKEN"
for r in 1 2; do
        relay $r open
        python3 "$root/e2e/kube_relay.py" $((API + r)) $API "$work/relay$r.mode" >"$work/relay$r.log" 2>&1 &
        relay_pids+=($!)
        kubeconfig "$work/op$r.kubeconfig" $((API + r)) "$OPTOKEN"
done
kc apply -f "$root/crds/dataproducts.specmesh.io.yaml" >/dev/null
kc wait --for=condition=Established crd/dataproducts.specmesh.io --timeout=30s >/dev/null
kc apply -f "$root/deploy/00-namespace.yaml" -f "$root/deploy/10-serviceaccount.yaml" \
        -f "$root/deploy/20-rbac.yaml" >/dev/null
kc create namespace "$ns" >/dev/null
t_assert_eq "$(kubectl --kubeconfig "$work/op1.kubeconfig" auth can-i watch dataproducts.specmesh.io -n "$ns")" yes \
        "the operator's identity (through relay 1) may watch DataProducts"

step "five products, one operator"
product pa 1 1 3600000 fkube.reader
product pb 1 1 3600000 fkube.reader
product pb2 1 1 3600000 fkube.reader
product pe 2 1 3600000 fkube.reader
product pf 1 1 3600000 fkube.reader0
for n in pa pb pb2 pe pf; do kc apply -f "$work/m/$n.yaml" >/dev/null; done
t0=$(date +%s)
start_op op-1 1
converge start "5 products created" "$t0" 60 baseline

step "(a) the API server restarted during a watch: an edit before the stop, one right after the start"
product pa 1 2 3600000 fkube.reader
kc apply -f "$work/m/pa.yaml" >/dev/null
stop_pid "$api_pid"
api_pid=
sleep 2 # the operator's watch and requests fail meanwhile
start_apiserver
wait_for 90 "the kube-apiserver back" api_ready
product pa 1 3 3600000 fkube.reader
kc apply -f "$work/m/pa.yaml" >/dev/null
t0=$(date +%s)
t_assert_eq "$(gen pa)" 3 "pa at generation 3"
converge a "apiserver restarted; edits before stop and after start" "$t0" 60
t_assert_eq "$(observed pa)" 3 "(a) observedGeneration of the edit made after the restart"
t_assert_match "$(grep -c 'watch .*failed' "$work/op-1.log")" '^[1-9]' "(a) the operator saw its watch fail"

step "(b) 410 Gone: the watch frozen, an edit and a deletion, etcd compacted, the path dropped"
relists0=$(grep -c 'resourceVersion too old' "$work/op-1.log" || true)
relay 1 freeze
sleep 0.5
product pb 1 2 3600000 fkube.reader
kc apply -f "$work/m/pb.yaml" >/dev/null
kc delete dp -n "$ns" pb2 --wait=false >/dev/null
forget_product pb2
kc label ns "$ns" fkube-bump="$RANDOM" --overwrite >/dev/null # one more revision past the edits
rev=$(curl -sf -X POST "http://127.0.0.1:$ETCD/v3/kv/range" -d '{"key":"AA=="}' |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
curl -sf -X POST "http://127.0.0.1:$ETCD/v3/kv/compaction" -d "{\"revision\": \"$rev\", \"physical\": true}" >/dev/null
printf '   etcd compacted at revision %s\n' "$rev"
t0=$(date +%s)
relay 1 drop
sleep 0.3
relay 1 open
converge b "watch cut; edit+delete; etcd compacted" "$t0" 60
t_assert_eq "$(has_dp pb2 && echo present || echo gone)" gone "(b) the deleted product's finalizer completed"
t_assert_match "$(($(grep -c 'resourceVersion too old' "$work/op-1.log" || true) - relists0))" '^[1-9]' \
        "(b) the operator's log says it listed again after 410"

step "(e) a product deleted while the operator is down"
stop_op op-1
t_assert_eq "$op_rc" 0 "(e) the operator stopped cleanly"
kc delete dp -n "$ns" pe --wait=false >/dev/null
sleep 1
t_assert_eq "$(has_dp pe && echo waiting)" waiting "(e) the finalizer holds the object while nobody acts"
t_assert_eq "$(kafka_partitions "$P.pe._protected.t0")" 1 "(e) its topic is still there"
forget_product pe
t0=$(date +%s)
start_op op-1 1
converge e "deleted while the operator was down" "$t0" 60
t_assert_eq "$(has_dp pe && echo present || echo gone)" gone "(e) finalizer done at start"

step "(f) 20 patches to one product within one second"
for i in $(seq 1 20); do
        product pf 1 1 $((3600000 + i)) "fkube.reader$i"
        python3 -c 'import json,sys,yaml; print(json.dumps({"spec": yaml.safe_load(open(sys.argv[1]))["spec"]}))' \
                "$work/m/pf.yaml" >"$work/pf-patch-$i.json"
done
g0=$(gen pf)
t0=$(date +%s)
python3 - "$API" "$TOKEN" "$ns" "$work" <<'PY'
import http.client, ssl, sys, time
port, token, ns, work = sys.argv[1:]
ctx = ssl.create_default_context(cafile=work + "/pki/apiserver.crt")
conn = http.client.HTTPSConnection("127.0.0.1", int(port), context=ctx)
path = "/apis/specmesh.io/v1alpha1/namespaces/%s/dataproducts/pf" % ns
t = time.time()
for i in range(1, 21):
    conn.request("PATCH", path, open("%s/pf-patch-%d.json" % (work, i), "rb").read(),
                 {"Content-Type": "application/merge-patch+json", "Authorization": "Bearer " + token})
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        sys.exit("patch %d: HTTP %d" % (i, r.status))
print("   20 patches in %.2f s" % (time.time() - t))
PY
t_assert_eq "$(gen pf)" $((g0 + 20)) "(f) 20 new generations"
converge f "20 patches in <1 s" "$t0" 60
t_assert_eq "$(observed pf)" $((g0 + 20)) "(f) observedGeneration is the last"
t_assert_eq "$(kafka_topic_config "$P.pf._protected.t0" retention.ms)" 3600020 "(f) the last spec's retention.ms"

step "(d) SIGTERM right after a 30-topic apply starts; a successor takes over"
product pd 30 1 3600000 fkube.reader
kc apply -f "$work/m/pd.yaml" >/dev/null
reconciling() { [ "$(kc get dp -n "$ns" pd -o jsonpath='{.status.conditions[?(@.type=="Reconciling")].status}')" = True ]; }
wait_for 30 "pd Reconciling" reconciling
t0=$(date +%s)
stop_op op-1
t_assert_eq "$op_rc" 0 "(d) exit status after SIGTERM"
printf '   stopped %ss after SIGTERM; %s of pd'"'"'s 30 topics existed then\n' "$(($(date +%s) - t0))" \
        "$(state_topics | grep -c "^$P.pd\." || true)"
start_op op-2 2
converge d "SIGTERM during a 30-topic apply" "$t0" 90
applied=$(cat "$work/op-1.log" "$work/op-2.log" | grep -F "name=\"pd\"" | grep -oE 'applied [0-9]+ of' | awk '{n += $2} END {print n + 0}')
t_assert_eq "$applied" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["changes"]))' "$work/m/pd.plan.json")" \
        "(d) changes applied by both operators together = the plan's (nothing twice)"
stop_op op-2

step "(c) two replicas; the API server unreachable for both, longer than the renew deadline"
# op-a's path turns one-way: it still hears the watch (an edit arrives and starts a reconcile)
# but none of its requests (lease renewals, status writes) get through; op-b's path is frozen.
LE=(--leader-elect --lease-duration 6 --renew-deadline 4 --retry-period 1)
start_op op-a 1 "${LE[@]}" --identity op-a
leads() { grep -q "$1 is the leader" "$work/$1.log"; }
wait_for 30 "op-a to lead" leads op-a
start_op op-b 2 "${LE[@]}" --identity op-b
wait_for 20 "op-b to stand by" grep -q "held by op-a" "$work/op-b.log"
converge c0 "two replicas, op-a leads" "$(date +%s)" 30 baseline
applied_a=$(grep -c 'msg="applied' "$work/op-a.log" || true)
product pa 2 3 3600000 fkube.reader # one more topic: a Kafka write nobody may make meanwhile
tf=$(date +%s.%N)
relay 1 oneway
relay 2 freeze
kc apply -f "$work/m/pa.yaml" >/dev/null
lost_at=
for i in $(seq 1 80); do # 20 s
        if grep -q "lost the lease" "$work/op-a.log"; then lost_at=$(date +%s.%N) && break; fi
        sleep 0.25
done
[ -n "$lost_at" ] || t_fail "(c) op-a never said it lost leadership"
lost_after=$(python3 -c "print('%.1f' % ($lost_at - $tf))")
printf '   op-a said it lost leadership %ss after its last chance to renew\n' "$lost_after"
# its last renewal was at most a retry period (1 s) before tf: the lease could expire from tf+5
t_assert_eq "$(python3 -c "print('before' if $lost_at - $tf < 5 else 'after')")" before \
        "(c) op-a gave up before its lease (6 s after its last renewal) could expire"
wait_for 120 "op-a to exit" exited "${op_pid[op-a]}"
rc=0
wait "${op_pid[op-a]}" || rc=$?
unset "op_pid[op-a]"
printf '   op-a exited %ss after the path broke\n' "$(python3 -c "print('%.1f' % ($(date +%s.%N) - $tf))")"
t_assert_eq "$rc" 1 "(c) op-a exits 1 after losing leadership"
while python3 -c "import sys; sys.exit(0 if $(date +%s.%N) - $tf < 8 else 1)"; do sleep 0.25; done
t_assert_eq "$(kafka_partitions "$P.pa._protected.t1")" "" \
        "(c) the edit is not applied to Kafka while the API server is unreachable"
t_assert_eq "$(grep -c 'msg="applied' "$work/op-a.log" || true)" "$applied_a" "(c) no Kafka write from op-a after the path broke"
t0=$(date +%s)
relay 1 drop
relay 2 drop
sleep 0.3
relay 1 open
relay 2 open
start_op op-a 1 "${LE[@]}" --identity op-a # as a kubelet would restart it
converge c "apiserver unreachable > renew deadline (2 replicas)" "$t0" 60
printf '   leading now: %s\n' "$(kc get lease -n specmesh-system specmesh-operator -o jsonpath='{.spec.holderIdentity}')"

step "(c2) only the leader's path broken: it stops before the standby takes over (no two actors)"
lead=$(kc get lease -n specmesh-system specmesh-operator -o jsonpath='{.spec.holderIdentity}')
case $lead in op-a) r=1 other=op-b ;; op-b) r=2 other=op-a ;; *) t_fail "(c2) lease held by '$lead'" ;; esac
applied_l=$(grep -c 'msg="applied' "$work/$lead.log" || true)
lost_l=$(grep -c 'lost the lease' "$work/$lead.log" || true)
led_o=$(grep -c "$other is the leader" "$work/$other.log" || true)
product pa 3 3 3600000 fkube.reader
t0=$(date +%s)
relay $r oneway
kc apply -f "$work/m/pa.yaml" >/dev/null
wait_for 20 "$lead to give up" bash -c "[ \$(grep -c 'lost the lease' '$work/$lead.log') -gt $lost_l ]"
wait_for 20 "$lead to exit" exited "${op_pid[$lead]}"
rc=0
wait "${op_pid[$lead]}" || rc=$?
unset "op_pid[$lead]"
t_assert_eq "$rc" 1 "(c2) the cut-off leader exits 1"
wait_for 30 "$other to lead" bash -c "[ \$(grep -c '$other is the leader' '$work/$other.log') -gt $led_o ]"
ts_of() { grep "$2" "$work/$1.log" | tail -1 | sed -E 's/^ts="([^"]+)".*/\1/'; }
lost_ts=$(ts_of "$lead" 'lost the lease')
lead_ts=$(ts_of "$other" "$other is the leader")
printf '   %s gave up at %s, %s took over at %s\n' "$lead" "$lost_ts" "$other" "$lead_ts"
t_assert_eq "$([[ "$lost_ts" < "$lead_ts" ]] && echo before)" before "(c2) the old leader stopped before the new one started"
t_assert_eq "$(grep -c 'msg="applied' "$work/$lead.log" || true)" "$applied_l" "(c2) no Kafka write from the cut-off leader"
converge c2 "leader's path one-way; standby takes over" "$t0" 60
relay $r drop
sleep 0.3
relay $r open

step "clean up through the operator: every product deleted (policy Delete) -> nothing left"
t0=$(date +%s)
kc delete dp -n "$ns" --all --wait=false >/dev/null
for f in "$work"/m/*.plan.json; do forget_product "$(basename "$f" .plan.json)"; done
converge z "all products deleted" "$t0" 60

printf '\n%-6s | %-55s | %-8s | %s\n' case provoked converge invariant
for r in "${results[@]}"; do
        IFS='|' read -r c w s h <<<"$r"
        printf '%-6s | %-55s | %-8s | %s\n' "$c" "$w" "$s" "$h"
done
printf '\n52_faults_kube took %ss\n' $(($(date +%s) - t_start))
t_done
