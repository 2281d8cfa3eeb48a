# B1-CLI — bulk apply through the CLI: N generated data products (5 `_public` topics of 3
# partitions each, their 12 ACL bindings, one Avro subject per topic) applied with
# `specmesh apply`, one process per product; the time until the last apply has returned
# (apply re-observes before it exits, so that is "all Ready"). In the same repeat, the floor
# (bench_floor: one CreateTopics, one CreateAcls, the registry requests over one connection)
# does the same work; reported as a ratio to it. The cluster is emptied of bench.b1.* before
# each timed part (not timed) and after.
# Knobs: BENCH_B1_SIZES (default "50 200"), BENCH_B1_CLI_JOBS (parallel apply processes,
# default 1 = one after another, as a CI loop does).
# shellcheck shell=bash
bench_define B1-CLI "bulk apply through the CLI: N data products, time until all applied" b1_cli stack

B1_PREFIX=bench.b1

b1_cli_setup() {
        local n
        for n in ${BENCH_B1_SIZES:-50 200}; do
                bench_products "$n" "$B1_PREFIX" >/dev/null || return 1
        done
        bench_note "each product: 5 topics x 3 partitions (retention.ms set), 12 ACL bindings, 5 Avro subjects (FULL_TRANSITIVE); the registry dominates both times"
        bench_note "CLI: one \`specmesh apply\` process per product, ${BENCH_B1_CLI_JOBS:-1} at a time; floor: bench_floor, one process, batched"
}

# b1_cli_apply DIR: every product of DIR through `specmesh apply`, BENCH_B1_CLI_JOBS at a time
b1_cli_apply() {
        xargs -P "${BENCH_B1_CLI_JOBS:-1}" -n 1 "$SPECMESH_BIN" apply <"$1/list.txt"
}

b1_cli_teardown() { bench_clean "$B1_PREFIX."; }

b1_rate() { python3 -c 'import sys; print("%.1f" % (int(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }

b1_cli() {
        local n dir want have topics
        for n in ${BENCH_B1_SIZES:-50 200}; do
                dir=$(bench_products "$n" "$B1_PREFIX") || return 1
                bench_floor_apply "$dir" || return 1
                want=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(json.dumps({k: d[k] for k in ("topics","partitions","acls","subjects")}, separators=(",",":")))' "$BENCH_FLOOR_JSON")
                topics=$(bench_json "$BENCH_FLOOR_JSON" topics)
                bench_record "floor N=$n: total" "$BENCH_FLOOR_S" s
                bench_record "floor N=$n: CreateTopics" "$(bench_json "$BENCH_FLOOR_JSON" create_topics_s)" s
                bench_record "floor N=$n: CreateAcls" "$(bench_json "$BENCH_FLOOR_JSON" create_acls_s)" s
                bench_record "floor N=$n: registry" "$(bench_json "$BENCH_FLOOR_JSON" registry_s)" s
                bench_record "floor N=$n: topics per second" "$(b1_rate "$topics" "$BENCH_FLOOR_S")" topics/s

                bench_time b1_cli_apply "$dir" || { bench_fail "specmesh apply failed for N=$n (see $BENCH_LOG)"; return 1; }
                have=$(bench_wait_count "$B1_PREFIX." "$dir/list.txt" "$want")
                [ "$have" = "$want" ] || { bench_fail "N=$n: the CLI left $have, the floor made $want"; return 1; }
                bench_record "CLI N=$n: all applied" "$BENCH_T" s
                bench_record "CLI N=$n: topics per second" "$(b1_rate "$topics" "$BENCH_T")" topics/s
                bench_ratio "CLI N=$n: ratio to floor" "$BENCH_T" "$BENCH_FLOOR_S"
                bench_clean "$B1_PREFIX." || return 1
        done
}
