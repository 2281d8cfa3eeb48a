# B2-LOAD — one change while a bulk load runs: one DataProduct (5 topics) is Ready; then 200
# others (BENCH_B2_PRODUCTS) are `kubectl apply`d at once and, while the operator works through
# them, the first is patched 50 times (BENCH_B2_PATCHES), one after the other, each timed from
# the PATCH to the watch event with observedGeneration = the new generation and Ready=True
# (latency.py). An edit of a known product goes in the workqueue's high lane, ahead of the new
# ones. Reports p50, p99, max, and how many of the bulk were Ready when the last patch was.
# Knobs: BENCH_B2_PRODUCTS (200), BENCH_B2_PATCHES (50), BENCH_OP_WORKERS.
# shellcheck shell=bash
# shellcheck source=op_lib.sh
source "$BENCH_DIR/op_lib.sh"
bench_define B2-LOAD "one product patched while 200 others are bulk-applied: patch -> Ready" b2_load stack

b2_load_setup() {
        bench_clean bench.b2l. || return 1
        bench_clean bench.b2b. || return 1
        op_start --resync 3600
}

b2_load_teardown() {
        op_delete_all bench.b2l.
        bench_clean bench.b2b.
        op_stop
}

b2_load() {
        local one bulk port=$((OP_PORT + 1)) proxy out ready
        one=$(bench_products 1 bench.b2l) || return 1
        bulk=$(bench_products "${BENCH_B2_PRODUCTS:-200}" bench.b2b) || return 1
        op_apply_wait "$one" || { bench_fail "the patched product did not get Ready"; return 1; }
        op_manifests "$bulk" >"$BENCH_WORK/bulk.yaml"
        kubectl proxy --port="$port" >>"$BENCH_LOG" 2>&1 &
        proxy=$!
        sleep 1
        kubectl apply -f "$BENCH_WORK/bulk.yaml" >>"$BENCH_LOG" 2>&1 || { kill "$proxy"; bench_fail "bulk apply failed"; return 1; }
        out=$(python3 "$BENCH_DIR/latency.py" "http://127.0.0.1:$port" "$OP_NS" bench-b2l-p0001 \
                "${BENCH_B2_PATCHES:-50}" "$1" 2>>"$BENCH_LOG") || { kill "$proxy"; bench_fail "latency.py failed (see $BENCH_LOG)"; return 1; }
        ready=$(kubectl get dp -n "$OP_NS" -o json | python3 -c 'import json,sys; print(sum(1 for o in json.load(sys.stdin)["items"] if o["metadata"]["name"].startswith("bench-b2b-") and any(c["type"]=="Ready" and c["status"]=="True" for c in (o.get("status") or {}).get("conditions",[]))))')
        kill "$proxy" 2>/dev/null || true
        bench_record "patch -> Ready under load: p50" "$(bench_json "$out" p50)" s
        bench_record "patch -> Ready under load: p99" "$(bench_json "$out" p99)" s
        bench_record "patch -> Ready under load: max" "$(bench_json "$out" max)" s
        bench_record "bulk products Ready when the last patch was" "$ready" count
        op_delete_all bench.b2l.
        bench_clean bench.b2b.
}
