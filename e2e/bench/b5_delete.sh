# B5 — deleting a fleet: N DataProducts (BENCH_B5_SIZE, default 1,000; 1 topic and 1 subject
# each, as B3) Ready, then `kubectl delete dp --all` at once; the time until the namespace
# holds no DataProduct (every finalizer done: gone.py). Once with deletionPolicy Retain (ACLs
# and quota removed, topic and subject kept) and once with Delete (the topic and subject go
# too; checked with bench_floor count afterwards).
# Knobs: BENCH_B5_SIZE (1000), BENCH_OP_WORKERS.
# shellcheck shell=bash
# shellcheck source=op_lib.sh
source "$BENCH_DIR/op_lib.sh"
bench_define B5 "delete a fleet: N DataProducts, time until every finalizer is done" b5_delete stack

b5_products() { # N: products of one topic each, generated once per run
        local dir=$BENCH_RUN_DIR/inputs/bench.b5-$1
        [ -f "$dir/list.txt" ] ||
                python3 "$BENCH_DIR/gen.py" products "$1" "$dir" --prefix bench.b5 --topics 1 >&2 || return 1
        echo "$dir"
}

b5_delete_setup() {
        bench_clean bench.b5. || return 1
        op_start --resync 3600
}

b5_delete_teardown() {
        op_delete_all bench.b5.
        op_stop
}

b5_delete() {
        local n=${BENCH_B5_SIZE:-1000} dir policy t0 t1 pport=$((OP_PORT + 2)) proxy left
        dir=$(b5_products "$n") || return 1
        for policy in Retain Delete; do
                op_manifests "$dir" | sed "s/^spec:\$/spec:\n  deletionPolicy: $policy/" >"$BENCH_WORK/b5.yaml"
                # op_apply_wait applies the files of DIR: give it the rewritten set
                mkdir -p "$BENCH_WORK/b5/p0000"
                cp "$BENCH_WORK/b5.yaml" "$BENCH_WORK/b5/p0000/dataproduct.yaml"
                cp "$dir/list.txt" "$BENCH_WORK/b5/list.txt"
                op_apply_wait "$BENCH_WORK/b5" || { bench_fail "$policy: not all Ready"; return 1; }
                bench_record "$policy: N=$n all Ready (setup)" "$BENCH_T" s
                kubectl proxy --port="$pport" >>"$BENCH_LOG" 2>&1 &
                proxy=$!
                sleep 0.5
                t0=$EPOCHREALTIME
                kubectl delete dp --all -n "$OP_NS" --wait=false >>"$BENCH_LOG" 2>&1 || { kill "$proxy"; bench_fail "delete failed"; return 1; }
                t1=$(python3 "$BENCH_DIR/gone.py" "http://127.0.0.1:$pport" "$OP_NS" 1200 2>>"$BENCH_LOG") ||
                        { kill "$proxy"; bench_fail "$policy: DataProducts left after 20 minutes"; return 1; }
                kill "$proxy" 2>/dev/null || true
                bench_record "$policy: N=$n all finalizers done" "$(python3 -c 'import sys; print("%.4f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$t1")" s
                if [ "$policy" = Delete ]; then
                        left=$(bench_count bench.b5.)
                        bench_note "B5 Delete: left under bench.b5. after the finalizers: $left"
                fi
                bench_clean bench.b5. || return 1
        done
}
