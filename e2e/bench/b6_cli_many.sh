# B6 — the same N products (BENCH_B6_SIZE, default 50; B1's shape: 5 topics, 12 ACL bindings,
# 5 subjects each) three ways, side by side in one repeat: the floor; `specmesh apply` of all
# of them in ONE process (the shared observation); the operator (kubectl apply of N
# DataProducts until all Ready, as B1-OP). Each checked against the floor's counts.
# Knobs: BENCH_B6_SIZE (50), BENCH_OP_WORKERS.
# shellcheck shell=bash
# shellcheck source=op_lib.sh
source "$BENCH_DIR/op_lib.sh"
bench_define B6 "N products: floor vs. one \`specmesh apply\` process vs. the operator" b6_many stack

b6_many_teardown() {
        [ -f "$BENCH_WORK/op.pid" ] && op_delete_all bench.b6.
        op_stop
        bench_clean bench.b6.
}

b6_many() {
        local n=${BENCH_B6_SIZE:-50} dir want have
        dir=$(bench_products "$n" bench.b6) || return 1
        bench_floor_apply "$dir" || return 1
        want=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(json.dumps({k: d[k] for k in ("topics","partitions","acls","subjects")}, separators=(",",":")))' "$BENCH_FLOOR_JSON")
        bench_record "floor N=$n" "$BENCH_FLOOR_S" s
        # shellcheck disable=SC2046
        bench_measure "$SPECMESH_BIN" apply $(cat "$dir/list.txt") || { bench_fail "apply of $n files failed (see $BENCH_LOG)"; return 1; }
        have=$(bench_wait_count bench.b6. "$dir/list.txt" "$want")
        [ "$have" = "$want" ] || { bench_fail "one apply left $have, the floor made $want"; return 1; }
        bench_record "one apply process N=$n" "$BENCH_T" s
        bench_record "one apply process N=$n: peak RSS" "$BENCH_RSS_MB" MiB
        bench_ratio "one apply process N=$n: ratio to floor" "$BENCH_T" "$BENCH_FLOOR_S"
        bench_clean bench.b6. || return 1
        op_start --resync 3600 || return 1
        op_apply_wait "$dir" || { bench_fail "operator N=$n: not all Ready"; return 1; }
        have=$(bench_wait_count bench.b6. "$dir/list.txt" "$want")
        [ "$have" = "$want" ] || { bench_fail "the operator left $have, the floor made $want"; return 1; }
        bench_record "operator N=$n: all Ready" "$BENCH_T" s
        bench_ratio "operator N=$n: ratio to floor" "$BENCH_T" "$BENCH_FLOOR_S"
        op_delete_all bench.b6. || return 1
        op_stop
}
