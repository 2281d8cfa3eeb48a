# B2 — a single change with 1,000 topics under management: 200 DataProducts of 5 topics each
# are Ready; then one of them is patched (retention.ms of one topic) 50 times, one patch after
# the other; each latency runs from the PATCH request to the watch event in which
# status.observedGeneration equals the new generation with Ready=True (e2e/bench/latency.py
# through `kubectl proxy`). Reports p50, p99 and max per repeat.
# Knobs: BENCH_B2_PRODUCTS (default 200), BENCH_B2_PATCHES (default 50), BENCH_OP_WORKERS.
# shellcheck shell=bash
# shellcheck source=op_lib.sh
source "$BENCH_DIR/op_lib.sh"
bench_define B2 "single change with 1,000 topics under management: patch -> observedGeneration and Ready" b2_change stack

b2_change_setup() {
        local dir
        dir=$(bench_products "${BENCH_B2_PRODUCTS:-200}" bench.b2) || return 1
        bench_clean bench.b2. || return 1
        op_start --resync 3600 || return 1
        op_apply_wait "$dir" || { bench_fail "setup: not all Ready"; return 1; }
        bench_note "B2: ${BENCH_B2_PRODUCTS:-200} DataProducts x 5 topics Ready before the patches ($(printf '%.0f' "$BENCH_T") s to set up); operator ${BENCH_OP_WORKERS:-2} workers"
}

b2_change_teardown() {
        op_delete_all bench.b2.
        op_stop
}

b2_change() {
        local port=$((OP_PORT + 1)) proxy out
        kubectl proxy --port="$port" >>"$BENCH_LOG" 2>&1 &
        proxy=$!
        sleep 1
        out=$(python3 "$BENCH_DIR/latency.py" "http://127.0.0.1:$port" "$OP_NS" bench-b2-p0001 \
                "${BENCH_B2_PATCHES:-50}" "$1" 2>>"$BENCH_LOG") || { kill "$proxy"; bench_fail "latency.py failed (see $BENCH_LOG)"; return 1; }
        kill "$proxy" 2>/dev/null || true
        bench_record "patch -> Ready: p50" "$(bench_json "$out" p50)" s
        bench_record "patch -> Ready: p99" "$(bench_json "$out" p99)" s
        bench_record "patch -> Ready: max" "$(bench_json "$out" max)" s
}
