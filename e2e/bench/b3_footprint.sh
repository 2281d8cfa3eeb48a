# B3 — the operator's footprint: resident memory (VmRSS) and CPU while idle with 0, 200 and
# 1,000 DataProducts, and what one periodic resync of all of them costs in requests to the
# Kubernetes API, Kafka and the registry (the operator's own counters on /metrics; a resync
# that finds nothing to change should cost no Kubernetes writes, and Kafka requests that do not
# grow with N: the workers share one reading of Kafka per --observe-window, so a resync spread
# over P seconds costs at most 4 requests per second of it, i.e. <= 4 x P whatever N; registry
# requests grow with the subjects read, 2 per subject: its latest version and its config). B3's products have 1 topic and 1 subject
# each (1,000 DataProducts = 1,000 topics of 3 partitions); B2 has the 5-topic shape.
# Knobs: BENCH_B3_SIZES (default "200 1000"), BENCH_B3_RESYNC (seconds, default 120: longer than one pass over 1,000 products, so that "idle" is idle),
# BENCH_OP_WORKERS.
# shellcheck shell=bash
# shellcheck source=op_lib.sh
source "$BENCH_DIR/op_lib.sh"
bench_define B3 "operator footprint: RSS, idle CPU and requests per resync at 0 / 200 / 1,000 DataProducts" b3_footprint stack

b3_products() { # N: products of one topic each, generated once per run
        local dir=$BENCH_RUN_DIR/inputs/bench.b3-$1
        [ -f "$dir/list.txt" ] ||
                python3 "$BENCH_DIR/gen.py" products "$1" "$dir" --prefix bench.b3 --topics 1 >&2 || return 1
        echo "$dir"
}

b3_footprint_teardown() {
        [ -f "$BENCH_WORK/op.pid" ] && op_delete_all bench.b3.
        op_stop
}

# b3_idle LABEL: RSS and CPU over 10 s of idleness
b3_idle() {
        op_wait_quiet
        bench_record "$1: RSS" "$(op_rss_mb)" MiB
        bench_record "$1: CPU idle (10 s)" "$(op_cpu_percent 10)" "% of a core"
}

# b3_resync N: the requests of one full resync of N DataProducts (waits for N reconciles)
b3_resync() {
        local r0 k0 a0 g0 i
        op_wait_quiet
        r0=$(op_metric specmesh_reconcile_total)
        k0=$(op_metric specmesh_kube_requests_total)
        a0=$(op_metric specmesh_kafka_requests_total)
        g0=$(op_metric specmesh_registry_requests_total)
        for i in $(seq 1 $((${BENCH_B3_RESYNC:-120} * 20 + 600))); do
                [ "$(op_metric specmesh_reconcile_total)" -ge $((r0 + $1)) ] && break
                sleep 0.5
        done
        op_wait_quiet
        bench_record "N=$1: resync: reconciles" "$(($(op_metric specmesh_reconcile_total) - r0))" count
        bench_record "N=$1: resync: Kubernetes requests" "$(($(op_metric specmesh_kube_requests_total) - k0))" requests
        bench_record "N=$1: resync: Kafka requests (total)" "$(($(op_metric specmesh_kafka_requests_total) - a0))" requests
        bench_record "N=$1: resync: registry requests (total)" "$(($(op_metric specmesh_registry_requests_total) - g0))" requests
        bench_record "N=$1: resync: Kafka requests per DataProduct" \
                "$(python3 -c 'import sys; print("%.2f" % ((int(sys.argv[1]) - int(sys.argv[2])) / int(sys.argv[3])))' "$(op_metric specmesh_kafka_requests_total)" "$a0" "$1")" requests
        bench_record "N=$1: resync: registry requests per DataProduct" \
                "$(python3 -c 'import sys; print("%.2f" % ((int(sys.argv[1]) - int(sys.argv[2])) / int(sys.argv[3])))' "$(op_metric specmesh_registry_requests_total)" "$g0" "$1")" requests
}

b3_footprint() {
        local n prev=0 dir
        bench_clean bench.b3. || return 1
        op_start --resync "${BENCH_B3_RESYNC:-120}" || return 1
        b3_idle "N=0"
        for n in ${BENCH_B3_SIZES:-200 1000}; do
                dir=$(b3_products "$n") || return 1
                op_apply_wait "$dir" || { bench_fail "N=$n: not all Ready"; return 1; }
                bench_record "N=$n: all Ready (from N=$prev)" "$BENCH_T" s
                b3_idle "N=$n"
                b3_resync "$n"
                bench_record "N=$n: peak RSS so far" "$(op_hwm_mb)" MiB
                prev=$n
        done
        op_delete_all bench.b3.
        op_stop
}
