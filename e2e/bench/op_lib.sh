# Helpers shared by the operator benchmarks (B1-OP, B2, B3): run `specmesh operator` against the
# local stack as its ServiceAccount (deploy/'s RBAC), apply and delete generated DataProducts
# with kubectl, read the operator's /metrics and /proc. Sourced by b1_operator.sh, b2_change.sh,
# b3_footprint.sh. Everything lives in namespace `bench` and under the `bench.` prefix.
# Knobs: BENCH_OP_WORKERS (default 2, the operator's default), BENCH_OP_PORT (18099).
# shellcheck shell=bash

OP_NS=bench
OP_PORT=${BENCH_OP_PORT:-18099}

op_prepare_cluster() {
        kubectl apply -f "$ROOT/crds/dataproducts.specmesh.io.yaml" >>"$BENCH_LOG" 2>&1 &&
                kubectl wait --for=condition=Established crd/dataproducts.specmesh.io --timeout=30s >>"$BENCH_LOG" 2>&1 &&
                kubectl apply -f "$ROOT/deploy/00-namespace.yaml" -f "$ROOT/deploy/10-serviceaccount.yaml" \
                        -f "$ROOT/deploy/20-rbac.yaml" >>"$BENCH_LOG" 2>&1 &&
                { kubectl get ns "$OP_NS" >/dev/null 2>&1 || kubectl create ns "$OP_NS" >>"$BENCH_LOG" 2>&1; }
}

# op_start [FLAGS...]: start the operator (pid in $BENCH_WORK/op.pid), wait until /readyz is ok
op_start() {
        op_prepare_cluster || { bench_fail "cannot install the CRD and RBAC"; return 1; }
        "$SPECMESH_BIN" operator --kubeconfig "$SPECMESH_OPERATOR_KUBECONFIG" \
                --namespace "$OP_NS" --metrics-addr "127.0.0.1:$OP_PORT" --workers "${BENCH_OP_WORKERS:-2}" \
                --log-level "${BENCH_OP_LOG_LEVEL:-info}" "$@" \
                >>"$BENCH_WORK/operator.log" 2>&1 &
        echo $! >"$BENCH_WORK/op.pid"
        local i
        for i in $(seq 1 100); do
                [ "$(curl -s "127.0.0.1:$OP_PORT/readyz" || true)" = ok ] && return 0
                sleep 0.1
        done
        bench_fail "the operator did not become ready (see $BENCH_WORK/operator.log)"
}

op_pid() { cat "$BENCH_WORK/op.pid" 2>/dev/null; }

op_stop() {
        local pid
        pid=$(op_pid) || return 0
        kill -TERM "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
        rm -f "$BENCH_WORK/op.pid"
}

op_metric() { curl -s "127.0.0.1:$OP_PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

# The operator's work per product, for the profile the benchmarks report: op_profile_mark before
# a run, op_profile LABEL N after it records, per product, the operator's own CPU time, the
# requests to each backend and the seconds its workers spent in each (the backend port calls:
# observe, apply, read back).
op_profile_counters() {
        curl -s "127.0.0.1:$OP_PORT/metrics" | awk '
                $1 ~ /^specmesh_(kafka|registry|kube)_requests_total$/ {sub(/^specmesh_/, "", $1); sub(/_total$/, "", $1); v[$1] = $2}
                $1 ~ /^specmesh_backend_request_duration_seconds_sum/ {b = $1; sub(/.*backend="/, "", b); sub(/".*/, "", b); v[b "_s"] = $2}
                END {for (k in v) print k, v[k]}' | sort
}
op_profile_mark() {
        OP_PROFILE_BEFORE=$(op_profile_counters)
        OP_PROFILE_TICKS=$(op_cpu_ticks)
}
op_profile() { # LABEL N
        local k after before
        after=$(op_profile_counters)
        bench_record "$1: operator CPU seconds per product" "$(awk -v a="$(op_cpu_ticks)" -v b="$OP_PROFILE_TICKS" -v hz="$(getconf CLK_TCK)" -v n="$2" 'BEGIN {printf "%.4f\n", (a - b) / hz / n}')" s
        for k in kafka registry kube; do
                before=$(awk -v k="${k}_requests" '$1 == k {print $2}' <<<"$OP_PROFILE_BEFORE")
                bench_record "$1: $k requests per product" "$(awk -v k="${k}_requests" -v b="${before:-0}" -v n="$2" '$1 == k {printf "%.1f\n", ($2 - b) / n}' <<<"$after")" count
                before=$(awk -v k="${k}_s" '$1 == k {print $2}' <<<"$OP_PROFILE_BEFORE")
                bench_record "$1: $k seconds per product" "$(awk -v k="${k}_s" -v b="${before:-0}" -v n="$2" '$1 == k {printf "%.4f\n", ($2 - b) / n}' <<<"$after")" s
        done
}

# op_rss_mb: the operator's resident set now, in MiB
op_rss_mb() { awk '/^VmRSS/ {printf "%.1f\n", $2 / 1024}' "/proc/$(op_pid)/status"; }
op_hwm_mb() { awk '/^VmHWM/ {printf "%.1f\n", $2 / 1024}' "/proc/$(op_pid)/status"; }
# op_cpu_ticks: user+system clock ticks used so far
op_cpu_ticks() { awk '{print $14 + $15}' "/proc/$(op_pid)/stat"; }

# op_cpu_percent SECONDS: the operator's CPU use over the next SECONDS, in % of one core
op_cpu_percent() {
        local a b hz
        hz=$(getconf CLK_TCK)
        a=$(op_cpu_ticks)
        sleep "$1"
        b=$(op_cpu_ticks)
        python3 -c 'import sys; a,b,hz,s=map(float,sys.argv[1:]); print("%.2f" % ((b-a)/hz/s*100))' "$a" "$b" "$hz" "$1"
}

# op_manifests DIR: every DataProduct of DIR as one multi-document YAML on stdout
op_manifests() {
        local f
        for f in "$1"/p*/dataproduct.yaml; do
                echo '---'
                cat "$f"
        done
}

# op_apply_wait DIR: kubectl apply every DataProduct of DIR and wait until all are Ready at
# their generation (ready.py: one watch over the namespace); BENCH_T = seconds from the start
# of the apply to the last Ready
op_apply_wait() {
        local n t0 t1 pport=$((OP_PORT + 2)) proxy rc=0
        n=$(wc -l <"$1/list.txt")
        op_manifests "$1" >"$BENCH_WORK/all.yaml"
        kubectl proxy --port="$pport" >>"$BENCH_LOG" 2>&1 &
        proxy=$!
        sleep 0.5
        python3 "$BENCH_DIR/ready.py" "http://127.0.0.1:$pport" "$OP_NS" "$n" >"$BENCH_WORK/ready.out" 2>>"$BENCH_LOG" &
        local watcher=$!
        sleep 0.5 # the watcher has listed
        t0=$EPOCHREALTIME
        kubectl apply -f "$BENCH_WORK/all.yaml" >>"$BENCH_LOG" 2>&1 || rc=1
        wait "$watcher" || rc=1
        kill "$proxy" 2>/dev/null || true
        [ "$rc" = 0 ] || return 1
        t1=$(cat "$BENCH_WORK/ready.out")
        BENCH_T=$(python3 -c 'import sys; print("%.4f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$t1")
}

# op_delete_all PREFIX: delete every DataProduct (the operator's finalizer cleans up), then
# remove what Retain kept (topics, subjects) under PREFIX. Not timed.
op_delete_all() {
        kubectl delete dp --all -n "$OP_NS" --timeout=1200s >>"$BENCH_LOG" 2>&1 ||
                bench_fail "deleting the DataProducts timed out"
        bench_clean "$1"
}

# op_wait_quiet: until the workqueue has been empty for two seconds in a row (the resync is
# spread over its period, so reconciles never stop for long: "quiet" means no backlog)
op_wait_quiet() {
        local i empty=0
        for i in $(seq 1 600); do
                sleep 1
                if [ "$(op_metric specmesh_workqueue_depth)" = 0 ]; then
                        empty=$((empty + 1))
                        [ "$empty" -ge 2 ] && return 0
                else
                        empty=0
                fi
        done
}
