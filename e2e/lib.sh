# Helpers for the end-to-end tests (sourced). Everything here talks to the real local stack
# started by e2e/stack/up, through independent tools: Kafka's own admin classes, kcat, curl,
# kubectl. Nothing here goes through specmesh's code.
# shellcheck shell=bash
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
eval "$("$E2E_DIR/stack/env")"
E2E_TMP=${E2E_TMP:-$(mktemp -d)}

# --- a tiny harness --------------------------------------------------------------------------
T_CHECKS=0
step() { printf '\n-- %s\n' "$*"; }
t_fail() {
        printf 'FAIL: %s\n' "$*" >&2
        exit 1
}
t_assert_eq() { # ACTUAL EXPECTED WHAT
        T_CHECKS=$((T_CHECKS + 1))
        if [ "$1" != "$2" ]; then t_fail "$3: expected '$2', got '$1'"; fi
        printf 'ok: %s = %s\n' "$3" "$2"
}
t_assert_match() { # TEXT REGEX WHAT
        T_CHECKS=$((T_CHECKS + 1))
        grep -Eq -- "$2" <<<"$1" || t_fail "$3: '$1' does not match /$2/"
        printf 'ok: %s\n' "$3"
}
# wait_for SECONDS WHAT COMMAND...: run COMMAND (quietly) every 0.25 s until it succeeds; after
# SECONDS, fail naming WHAT. COMMAND runs each time, so pass a function, never a "$(...)"
# expanded once at the call. Bounded in count and time.
wait_for() {
        local s=$1 what=$2 i
        shift 2
        for i in $(seq 1 $((s * 4))); do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.25
        done
        t_fail "timed out after ${s}s waiting for $what"
}
t_done() { printf '\n%d checks passed\n' "$T_CHECKS"; }

# --- Kafka, through Kafka's own tools and kcat -------------------------------------------------
# kafka_tool CLASS ARGS...: a Kafka admin tool class (or a source-file program, e2e/*.java) run
# with the broker's own jars, as admin
kafka_tool() {
        local cls=$1
        shift
        java -Xms32m -Xmx256m -Dlog4j2.configurationFile="$E2E_DIR/stack/kafka/log4j2-quiet.properties" \
                -Dlog4j.configuration="file:$E2E_DIR/stack/kafka/log4j-quiet.properties" \
                -cp "$SPECMESH_KAFKA_LIB/*" "$cls" "$@"
}
# The tool classes moved between 3.x (kafka.admin) and 4.x (org.apache.kafka.tools).
kafka_class() {
        python3 - "$1" "$SPECMESH_KAFKA_LIB" <<'PY'
import glob, sys, zipfile
name, lib = sys.argv[1], sys.argv[2]
for cls in ("org.apache.kafka.tools." + name, "org.apache.kafka.tools.consumer." + name,
            "kafka.admin." + name, "kafka.tools." + name):
    entry = cls.replace(".", "/") + ".class"
    for jar in glob.glob(lib + "/kafka*.jar"):
        if entry in zipfile.ZipFile(jar).namelist():
            print(cls)
            sys.exit(0)
sys.exit(1)
PY
}
# Written whole under another name and renamed into place: two first callers at once (jobs in
# the background) each rename a complete file, where writing it in place in steps let one's
# copy overwrite the other's, leaving a file without the JAAS line for every later call.
kafka_admin_props() {
        local f=$E2E_TMP/kafka-admin.properties t
        if [ ! -f "$f" ]; then
                t=$(mktemp "$f.XXXXXX")
                {
                        grep -vE '^sasl\.(mechanisms|username|password)=' "$SPECMESH_KAFKA_CONFIG"
                        cat <<P
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret";
P
                } >"$t"
                mv -f "$t" "$f"
        fi
        echo "$f"
}
kafka_topics() { kafka_tool "$(kafka_class TopicCommand)" --bootstrap-server 127.0.0.1:19092 --command-config "$(kafka_admin_props)" "$@"; }
kafka_acls() { kafka_tool "$(kafka_class AclCommand)" --bootstrap-server 127.0.0.1:19092 --command-config "$(kafka_admin_props)" "$@"; }
kafka_configs() { kafka_tool kafka.admin.ConfigCommand --bootstrap-server 127.0.0.1:19092 --command-config "$(kafka_admin_props)" "$@"; }

# kafka_partitions TOPIC: partition count from kcat -L, empty when the topic does not exist
kafka_partitions() {
        kcat -F "$SPECMESH_KAFKA_CONFIG" -L -t "$1" -J 2>/dev/null |
                python3 -c 'import json,sys; t=json.load(sys.stdin)["topics"]; print(len(t[0]["partitions"]) if t and not t[0].get("error") else "")'
}
# kafka_topic_config TOPIC KEY: the topic's dynamic (per-topic) value of KEY, empty when unset
kafka_topic_config() {
        kafka_configs --describe --entity-type topics --entity-name "$1" 2>/dev/null |
                grep -oE "(^| )$2=[^ ,]*" | head -1 | sed "s/.*$2=//"
}
kafka_alter_topic_config() { # TOPIC KEY=VALUE
        kafka_configs --alter --entity-type topics --entity-name "$1" --add-config "$2" >/dev/null
}
# kafka_user_quota USER KEY: a client-quota value for user=USER
kafka_user_quota() {
        kafka_configs --describe --entity-type users --entity-name "$1" 2>/dev/null |
                grep -oE "$2=[0-9.]+" | head -1 | sed "s/$2=//; s/\.0$//"
}
# kafka_acls_of DOMAIN: every ACL binding whose resource lies in DOMAIN (or is the domain
# owner's cluster ACL), one per line: "TYPE NAME PATTERN PRINCIPAL OPERATION PERMISSION"
kafka_acls_of() {
        kafka_acls --list 2>/dev/null | python3 "$E2E_DIR/acl_lines.py" "$1"
}
# kafka_add_scram_user NAME PASSWORD: SCRAM-SHA-256 and -512 credentials, through Kafka's tools
kafka_add_scram_user() {
        # one mechanism per request: the broker refuses two credential changes in one
        kafka_configs --alter --entity-type users --entity-name "$1" \
                --add-config "SCRAM-SHA-256=[password=$2]" >/dev/null
        kafka_configs --alter --entity-type users --entity-name "$1" \
                --add-config "SCRAM-SHA-512=[password=$2]" >/dev/null
        # the credentials reach the broker through the metadata log: wait until both work
        local i mech ok
        for i in $(seq 1 30); do
                ok=1
                for mech in SCRAM-SHA-512 SCRAM-SHA-256; do
                        kafka_tool "$(kafka_class TopicCommand)" --bootstrap-server 127.0.0.1:19092 \
                                --command-config "$(java_client_props "$1" "$2" $mech)" --list \
                                >/dev/null 2>&1 || ok=0
                done
                [ "$ok" = 1 ] && return 0
                sleep 0.5
        done
        echo "SCRAM credential for $1 never became usable" >&2
        return 1
}
# Real clients for SCRAM users. Kafka's own Java console clients, not kcat: librdkafka before
# 2.6.1 (Debian's is 2.0.2) sends a SCRAM client-final nonce that Kafka 4.x rejects
# (librdkafka#4895), so kcat can only use PLAIN against a 4.x broker.
# java_client_props NAME PASSWORD MECHANISM: a Java client properties file
java_client_props() {
        local f=$E2E_TMP/java-$1-$3.properties
        cat >"$f" <<P
security.protocol=SASL_PLAINTEXT
sasl.mechanism=$3
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$1" password="$2";
P
        echo "$f"
}
# kafka_produce NAME PASSWORD MECHANISM TOPIC < lines: produce each stdin line as a record
kafka_produce() {
        kafka_tool "$(kafka_class ConsoleProducer)" --bootstrap-server 127.0.0.1:19092 \
                --producer.config "$(java_client_props "$1" "$2" "$3")" --topic "$4" \
                --producer-property max.block.ms=10000 --producer-property delivery.timeout.ms=15000 \
                --producer-property request.timeout.ms=10000
}
# kafka_consume NAME PASSWORD MECHANISM TOPIC GROUP: print every record of TOPIC from the
# beginning, reading all partitions as a member of consumer group GROUP (so the principal needs
# READ on the group too); stops after 10 s without records. Fails, printing the client's
# error, when authentication or authorization is refused.
kafka_consume() {
        local out
        out=$(kafka_tool "$(kafka_class ConsoleConsumer)" --bootstrap-server 127.0.0.1:19092 \
                --consumer.config "$(java_client_props "$1" "$2" "$3")" --topic "$4" \
                --group "$5" --from-beginning --timeout-ms 10000 2>&1) || true
        [ -n "${E2E_DEBUG:-}" ] && printf "%s\n" "$out" >&2
        if grep -qiE "not authorized|authorization|authentication" <<<"$out"; then
                grep -iE "not authorized|authorization|authentication" <<<"$out" | head -3
                return 1
        fi
        grep -v -E "^Processed a total|TimeoutException|ERROR Error processing message|^\s+at " <<<"$out" || true
}

# kcat_config NAME PASSWORD MECHANISM: a kcat/librdkafka properties file for a SCRAM user
kcat_config() {
        local f=$E2E_TMP/kcat-$1-$3.properties
        cat >"$f" <<P
bootstrap.servers=127.0.0.1:19092
security.protocol=SASL_PLAINTEXT
sasl.mechanisms=$3
sasl.username=$1
sasl.password=$2
P
        echo "$f"
}

# --- the schema registry, through its REST API ---------------------------------------------------
registry_curl() { curl -sS "$@"; }
registry_latest_version() {
        curl -sf "$SPECMESH_REGISTRY_URL/subjects/$1/versions/latest" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])' 2>/dev/null || true
}
registry_schema_type() {
        curl -sf "$SPECMESH_REGISTRY_URL/subjects/$1/versions/latest" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("schemaType","AVRO"))' 2>/dev/null || true
}
registry_compatibility() {
        curl -sf "$SPECMESH_REGISTRY_URL/config/$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("compatibilityLevel") or d.get("compatibility"))' 2>/dev/null || true
}

# --- Kubernetes ------------------------------------------------------------------------------
kube_admin() { kubectl --kubeconfig "$KUBECONFIG" "$@"; }
kube_operator() { kubectl --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" "$@"; }

# e2e_forget_domain DOMAIN...: remove every topic, ACL, quota and subject of the domains (test
# clean-up): Kafka's part in one JVM (e2e/ForgetDomains.java, Kafka's own admin client; the
# tools' one JVM per topic and per pattern took ~20 s a domain), the subjects with curl
e2e_forget_domain() {
        local s
        [ $# -gt 0 ] || return 0
        kafka_tool "$E2E_DIR/ForgetDomains.java" 127.0.0.1:19092 "$(kafka_admin_props)" "$@" >/dev/null || true
        for s in $(curl -sf "$SPECMESH_REGISTRY_URL/subjects?limit=100000" |
                python3 -c 'import json,sys; ds=sys.argv[1:]; [print(s) for s in json.load(sys.stdin) if any(d + "." in s for d in ds)]' "$@"); do
                curl -sf -X DELETE "$SPECMESH_REGISTRY_URL/subjects/$s" >/dev/null || true
                curl -sf -X DELETE "$SPECMESH_REGISTRY_URL/subjects/$s?permanent=true" >/dev/null || true
        done
}

# stack_logs: the tail of every server log (printed when a test fails)
stack_logs() {
        local f
        for f in "$SPECMESH_STACK_STATE"/logs/*.log; do
                echo "--- $f"
                tail -25 "$f"
        done
}

# e2e_invariant NS PREFIX [e2e/invariant.py flags: --bootstrap HOST:PORT, --all-ready,
# --not-ready NAME, --wait SECONDS, ...]: Kafka's topics, configs, ACLs and quotas and the
# registry's subjects under PREFIX equal exactly the union of the plans of NS's Ready
# DataProducts, and every status tells the truth (issue #15); fails the test with a diff if not
e2e_invariant() {
        local ns=$1 prefix=$2
        shift 2
        T_CHECKS=$((T_CHECKS + 1))
        python3 "$E2E_DIR/invariant.py" --namespace "$ns" --prefix "$prefix" "$@" ||
                t_fail "the invariant for namespace $ns, prefix $prefix"
}
