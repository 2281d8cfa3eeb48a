# The benchmark harness API (sourced by e2e/bench/run; see e2e/bench/README.md).
#
# A benchmark is one file e2e/bench/bNN_*.sh that calls, at top level,
#       bench_define ID "TITLE" FUNC [stack]
# and defines FUNC (and optionally FUNC_setup, called once before the repeats, and
# FUNC_teardown, called once after them whatever happened, e.g. to clean up). `run` calls
# FUNC once per repeat with the repeat number (1..R) as $1, inside $BENCH_WORK (a scratch
# directory of its own that lives for the whole run). `stack` means it needs the local stack;
# without it the benchmark is reported as skipped. FUNC returning non-zero (or calling
# bench_fail) stops that benchmark's repeats and is reported as an error; the others go on.
#
# Inside FUNC:
#       bench_record NAME VALUE UNIT      one sample (e.g. "floor N=50" 3.21 s); the same NAME
#                                         in every repeat gives the median and spread
#       bench_ratio NAME OURS FLOOR       records OURS/FLOOR as NAME, unit "x floor"; call it
#                                         with the two numbers of the SAME repeat
#       bench_time CMD...                 runs CMD (output appended to $BENCH_LOG); sets
#                                         BENCH_T (wall seconds); returns CMD's status
#       bench_measure CMD...              the same, plus BENCH_RSS_MB (peak RSS of CMD)
#       bench_note "TEXT"                 a line under the table (printed once per text)
#       bench_fail "WHY"                  give up on this benchmark (returns 1)
#       bench_quick                       true under --quick
#       bench_log MESSAGE                 progress on stderr
# Everything a benchmark creates on the stack must lie under the `bench.` prefix; clean up
# before timing (`$BENCH_FLOOR clean bench.xx.`), never inside the timed part.
# shellcheck shell=bash

BENCH_DEFS=()

bench_define() { # ID TITLE FUNC [stack]
        BENCH_DEFS+=("$1|$2|$3|${4:-}")
}

bench_log() { printf '[%s %s] %s\n' "$(date +%H:%M:%S)" "${BENCH_ID:-bench}" "$*" >&2; }

bench_record() { # NAME VALUE UNIT
        [[ "$2" =~ ^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$ ]] ||
                bench_fail "bench_record $1: '$2' is not a number" || return 1
        printf '%s\t%s\t%s\t%s\t%s\n' "$BENCH_ID" "$BENCH_REPEAT" "$1" "$2" "$3" >>"$BENCH_SAMPLES"
        bench_log "$1 = $2 $3"
}

bench_ratio() { # NAME OURS FLOOR
        bench_record "$1" "$(python3 -c 'import sys; print("%.3f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$2" "$3")" "x floor"
}

bench_note() {
        printf '%s\t%s\n' "$BENCH_ID" "$*" >>"$BENCH_NOTES"
}

bench_fail() {
        printf '%s\t%s\n' "$BENCH_ID" "$*" >>"$BENCH_ERRORS"
        bench_log "error: $*"
        return 1
}

bench_quick() { [ "$BENCH_QUICK" = 1 ]; }

bench_secs_since() { # EPOCHREALTIME-VALUE: seconds elapsed since then
        python3 -c 'import sys; print("%.4f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$EPOCHREALTIME"
}

bench_time() { # CMD...
        local t0=$EPOCHREALTIME rc=0
        "$@" >>"$BENCH_LOG" 2>&1 || rc=$?
        BENCH_T=$(bench_secs_since "$t0")
        return $rc
}

bench_measure() { # CMD...
        local t0 rc=0 f=$BENCH_WORK/.rss
        t0=$EPOCHREALTIME
        /usr/bin/time -o "$f" -f '%M' "$@" >>"$BENCH_LOG" 2>&1 || rc=$?
        BENCH_T=$(bench_secs_since "$t0")
        BENCH_RSS_MB=$(python3 -c 'import sys; print("%.1f" % (int(open(sys.argv[1]).read().split()[-1]) / 1024))' "$f")
        return $rc
}

# `time` (GNU time, for peak RSS) is not in every base image.
bench_need_time() {
        [ -x /usr/bin/time ] && return 0
        bench_log "installing GNU time (apt)"
        local sudo=
        [ "$(id -u)" = 0 ] || sudo=sudo
        $sudo apt-get install -y -qq time >/dev/null 2>&1 && return 0
        $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq time >/dev/null
}

bench_stack_up() {
        ss -ltn 2>/dev/null | grep -q ':19092 ' && ss -ltn 2>/dev/null | grep -q ':18081 '
}

# --- data products and the floor (for the bulk benchmarks) --------------------------------------
#       bench_products N PREFIX      generates (once per run) N products <PREFIX>.p0001.. and
#                                    prints their directory: DIR/list.txt names each
#                                    DIR/pNNNN/asyncapi.yaml; DIR/pNNNN/dataproduct.yaml is the
#                                    same product as a DataProduct (namespace bench)
#       bench_clean PREFIX           deletes every topic, ACL and subject under PREFIX (must start
#                                    with "bench."), waiting until the topics are gone; not timed
#       bench_count PREFIX [LIST]    prints {"topics":..,"partitions":..,"acls":..,"subjects":..}
#                                    (with LIST: the subjects of those products, probed one by
#                                    one, since Apicurio lists at most 1,000 subjects)
#       bench_wait_count PREFIX LIST WANT   bench_count until it equals WANT (<= 30 s)
#       bench_floor_apply DIR        cleans DIR's prefix, then runs the floor on DIR/list.txt:
#                                    sets BENCH_FLOOR_S (its wall time) and BENCH_FLOOR_JSON (its
#                                    report: counts and the time of each part); cleans again
#                                    so the cluster is empty for whatever is timed next
bench_products() { # N PREFIX
        local dir=$BENCH_RUN_DIR/inputs/$2-$1
        if [ ! -f "$dir/list.txt" ]; then
                python3 "$BENCH_DIR/gen.py" products "$1" "$dir" --prefix "$2" >&2 || return 1
        fi
        echo "$dir"
}

bench_clean() { # PREFIX
        case $1 in bench.?*) ;; *) bench_fail "refusing to clean '$1' (not under bench.)" || return 1 ;; esac
        "$BENCH_FLOOR" clean "$1" >>"$BENCH_LOG" 2>&1 || bench_fail "cleaning $1 failed (see $BENCH_LOG)"
}

bench_count() { # PREFIX [LIST]
        "$BENCH_FLOOR" count "$@" 2>>"$BENCH_LOG"
}

# bench_wait_count PREFIX LIST WANT: bench_count until it prints WANT (at most 30 s; the broker's
# authorizer shows new ACLs a moment after CreateAcls returns); prints the last count
bench_wait_count() {
        local have i
        for i in $(seq 1 60); do
                have=$(bench_count "$1" "$2")
                [ "$have" = "$3" ] && break
                sleep 0.5
        done
        echo "$have"
}

bench_json() { # JSON KEY: one value of a flat JSON object
        python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

bench_floor_apply() { # DIR
        local prefix
        prefix=$(sed -n 's/^id: .urn:\(.*\):p[0-9]*.$/\1/p' "$(head -1 "$1/list.txt")" | tr : .).
        bench_clean "$prefix" || return 1
        BENCH_FLOOR_JSON=$("$BENCH_FLOOR" apply "$1/list.txt" 2>>"$BENCH_LOG") ||
                { bench_fail "the floor failed on $1 (see $BENCH_LOG)"; return 1; }
        echo "floor: $BENCH_FLOOR_JSON" >>"$BENCH_LOG"
        BENCH_FLOOR_S=$(bench_json "$BENCH_FLOOR_JSON" total_s)
        bench_clean "$prefix"
}
