# B4 — the CLI on a large document: wall time and peak RSS of `specmesh validate` and
# `specmesh plan --offline` on one generated AsyncAPI document of 1,000 channels (990 produced
# across _public/_protected/_private in both binding forms, half with Avro $refs and half with
# inline JSON Schema, 10 consumed). No servers. Knob: BENCH_B4_CHANNELS (default 1000).
# shellcheck shell=bash
bench_define B4 "CLI: validate and plan --offline on a ${BENCH_B4_CHANNELS:-1000}-channel document" b4_cli

b4_cli_setup() {
        python3 "$BENCH_DIR/gen.py" big "${BENCH_B4_CHANNELS:-1000}" "$BENCH_WORK/big" || return 1
        "$SPECMESH_BIN" validate "$BENCH_WORK/big/asyncapi.yaml" >"$BENCH_WORK/validate.out" 2>&1 ||
                { bench_fail "the generated document does not validate: $(tail -1 "$BENCH_WORK/validate.out")"; return 1; }
        bench_note "document: $(sed 's/^ok: [^(]*(//; s/)$//' "$BENCH_WORK/validate.out"), $(wc -c <"$BENCH_WORK/big/asyncapi.yaml") bytes + $(ls "$BENCH_WORK/big/schema" | wc -l) schema files"
        bench_note "times are whole-process wall times (exec, parse, read schema files, plan, render); peak RSS from GNU time"
}

b4_cli() {
        local doc=$BENCH_WORK/big/asyncapi.yaml n=${BENCH_B4_CHANNELS:-1000} rc
        # what a process costs before it reads anything, to read the numbers below against
        bench_measure "$SPECMESH_BIN" --version || { bench_fail "specmesh --version failed"; return 1; }
        bench_record "specmesh --version (process start)" "$BENCH_T" s
        bench_measure "$SPECMESH_BIN" validate "$doc" || { bench_fail "validate failed"; return 1; }
        bench_record "validate, $n channels" "$BENCH_T" s
        bench_record "validate, $n channels: peak RSS" "$BENCH_RSS_MB" MiB
        rc=0
        bench_measure "$SPECMESH_BIN" plan --offline "$doc" || rc=$?
        # plan exits 2 when changes are pending, which they are against the empty offline state
        [ "$rc" = 2 ] || { bench_fail "plan --offline exited $rc (expected 2)"; return 1; }
        bench_record "plan --offline, $n channels" "$BENCH_T" s
        bench_record "plan --offline, $n channels: peak RSS" "$BENCH_RSS_MB" MiB
}
