# B1-OP — bulk apply through the operator: the B1 products (5 `_public` topics of 3 partitions,
# 12 ACL bindings, 5 Avro subjects each) as N DataProducts, `kubectl apply`d at once; the time
# from the apply to the last `Ready` (kubectl wait), topics per second, and the ratio to the
# floor (bench_floor doing the same Kafka and registry work, batched, in the same repeat).
# Knobs: BENCH_B1_SIZES (default "50 200"), BENCH_OP_WORKERS (default 2).
# shellcheck shell=bash
# shellcheck source=op_lib.sh
source "$BENCH_DIR/op_lib.sh"
bench_define B1-OP "bulk apply through the operator: N DataProducts, time until all Ready" b1_op stack

b1_op_setup() {
        local n
        for n in ${BENCH_B1_SIZES:-50 200}; do
                bench_products "$n" bench.b1 >/dev/null || return 1
        done
        bench_note "operator: ${BENCH_OP_WORKERS:-2} workers (--workers), as its ServiceAccount; time from kubectl apply of all N until the last is Ready at its generation (one watch, ready.py)"
        op_start --resync 3600
}

b1_op_teardown() {
        op_delete_all bench.b1.
        op_stop
}

b1_op() {
        local n dir want have topics reconciles
        for n in ${BENCH_B1_SIZES:-50 200}; do
                dir=$(bench_products "$n" bench.b1) || return 1
                bench_floor_apply "$dir" || return 1
                want=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(json.dumps({k: d[k] for k in ("topics","partitions","acls","subjects")}, separators=(",",":")))' "$BENCH_FLOOR_JSON")
                topics=$(bench_json "$BENCH_FLOOR_JSON" topics)
                bench_record "floor N=$n: total" "$BENCH_FLOOR_S" s
                reconciles=$(op_metric specmesh_reconcile_total)
                op_profile_mark
                op_apply_wait "$dir" || { bench_fail "N=$n: not all Ready (see $BENCH_LOG)"; return 1; }
                op_profile "operator N=$n" "$n"
                have=$(bench_wait_count bench.b1. "$dir/list.txt" "$want")
                [ "$have" = "$want" ] || { bench_fail "N=$n: the operator left $have, the floor made $want"; return 1; }
                bench_record "operator N=$n: all Ready" "$BENCH_T" s
                bench_record "operator N=$n: topics per second" "$(b1_rate "$topics" "$BENCH_T")" topics/s
                bench_ratio "operator N=$n: ratio to floor" "$BENCH_T" "$BENCH_FLOOR_S"
                bench_record "operator N=$n: reconciles" "$(($(op_metric specmesh_reconcile_total) - reconciles))" count
                op_delete_all bench.b1. || return 1
        done
}
