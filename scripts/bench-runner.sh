#!/usr/bin/env bash
# The runner's other targets, each against `gembatch mock` on loopback (release build):
#   latency  mock latency 1 s, concurrency 500, 5,000 jobs: jobs/s vs the 500/s ideal
#   rate     --rpm 600 against a mock enforcing 600 RPM for 2 minutes: % of the limit, % of 429s
#   memory   peak RSS for 100,000 and 1,000,000-job files (no latency)
#   resume   a 1,000,000-job store with all but 1,000 done: time until the first request leaves
#   scripts/bench-runner.sh [latency] [rate] [memory] [resume]     (default: all)
source "$(dirname "$0")/bench-common.sh"
build_release
what=("$@"); [ ${#what[@]} -gt 0 ] || what=(latency rate memory resume)
export GEMINI_API_KEY=bench

peak_rss_mb() { awk '/Maximum resident set size/ {printf "%.0f", $6/1024}' "$1"; }

for w in "${what[@]}"; do case $w in
latency)
  # ROUNDS rounds (default 3) of gembatch, then the bare ceiling loop, against one mock; medians.
  N=${LAT_JOBS:-5000}; ROUNDS=${ROUNDS:-3}
  make_jobs "$BENCH_DIR/lat.jsonl" "$N"
  build_ceiling || CEILING=""
  start_mock PORT --latency 1s
  g=(); c=()
  for r in $(seq 1 "$ROUNDS"); do
    rm -f "$BENCH_DIR"/lat.sqlite*
    t0=$(now)
    "$BIN" run "$BENCH_DIR/lat.jsonl" --db "$BENCH_DIR/lat.sqlite" --endpoint "http://127.0.0.1:$PORT" \
      --concurrency 500 --progress none 2>/dev/null
    t1=$(now)
    g+=("$(python3 -c "print($t1-$t0)")")
    line="latency round $r: gembatch ${g[-1]} s"
    if [ -n "$CEILING" ]; then
      t0=$(now); "$CEILING" "$PORT" "$N" 500 "$BENCH_DIR/lat-ceiling.sqlite" >/dev/null; t1=$(now)
      c+=("$(python3 -c "print($t1-$t0)")")
      line="$line, ceiling ${c[-1]} s"
    fi
    echo "$line" >&2
  done
  stop_mock
  gm=$(printf '%s\n' "${g[@]}" | median)
  python3 -c "n=$N; dt=$gm; print(f'latency-bound: {n} jobs, mock latency 1 s, concurrency 500, median of $ROUNDS: {dt:.2f} s = {n/dt:.0f} jobs/s = {n/dt/500*100:.1f}% of the 500 jobs/s ideal (whole command)')"
  if [ ${#c[@]} -gt 0 ]; then
    cm=$(printf '%s\n' "${c[@]}" | median)
    python3 -c "n=$N; dt=$cm; print(f'  ceiling (bare loop, same mock, whole command): {dt:.2f} s = {n/dt/500*100:.1f}% of the ideal; gembatch/ceiling = {$cm/$gm:.3f}')"
  fi
  ;;
rate)
  SECS=${RATE_SECONDS:-120}
  N=$((SECS * 10 + 200))  # more than 2 minutes' worth at 10/s
  make_jobs "$BENCH_DIR/rate.jsonl" "$N"
  start_mock PORT --rpm 600
  rm -f "$BENCH_DIR"/rate.sqlite*
  "$BIN" run "$BENCH_DIR/rate.jsonl" --db "$BENCH_DIR/rate.sqlite" --endpoint "http://127.0.0.1:$PORT" \
    --rpm 600 --progress none 2>/dev/null &
  RUN=$!
  sleep "$SECS"; kill -INT $RUN; wait $RUN || true
  stats=$(curl -s -H "x-goog-api-key: ${GEMINI_API_KEY:-bench}" "http://127.0.0.1:$PORT/mock/stats"); stop_mock
  python3 - "$stats" "$SECS" <<'PY'
import json, sys
s = json.loads(sys.argv[1]); secs = float(sys.argv[2])
ok = s["byStatus"].get("200", 0); limited = s["byStatus"].get("429", 0); total = s["requests"]
print(f"rate: --rpm 600 vs mock 600 RPM for {secs:.0f} s: {ok} answered = {ok/secs*60:.0f}/min = {ok/(secs*10)*100:.1f}% of the limit; 429s {limited} of {total} = {limited/max(total,1)*100:.2f}%")
PY
  ;;
memory)
  for N in 100000 1000000; do
    make_jobs "$BENCH_DIR/mem-$N.jsonl" "$N"
    start_mock PORT
    rm -f "$BENCH_DIR"/mem.sqlite*
    t0=$(now)
    /usr/bin/time -v "$BIN" run "$BENCH_DIR/mem-$N.jsonl" --db "$BENCH_DIR/mem.sqlite" \
      --endpoint "http://127.0.0.1:$PORT" --concurrency 64 --progress none 2>"$BENCH_DIR/mem-$N.time" >/dev/null
    t1=$(now); stop_mock
    python3 -c "print(f'memory: {$N} jobs: peak RSS $(peak_rss_mb "$BENCH_DIR/mem-$N.time") MB, {$N/($t1-$t0):.0f} jobs/s (whole command)')"
  done
  ;;
resume)
  N=1000000
  [ -f "$BENCH_DIR/mem.sqlite" ] && [ -f "$BENCH_DIR/mem-$N.jsonl" ] || { echo "resume: run 'memory' first (it builds the 1M store)" >&2; continue; }
  cp "$BENCH_DIR/mem.sqlite" "$BENCH_DIR/resume.sqlite"
  # All but 1,000 done: the last 1,000 jobs back to pending, as if the run had been killed there.
  sqlite3 "$BENCH_DIR/resume.sqlite" "DELETE FROM results WHERE job_id IN (SELECT id FROM jobs ORDER BY seq DESC LIMIT 1000);
    UPDATE jobs SET state='pending' WHERE id IN (SELECT id FROM jobs ORDER BY seq DESC LIMIT 1000);"
  start_mock PORT
  t0=$(now)
  "$BIN" run "$BENCH_DIR/mem-$N.jsonl" --db "$BENCH_DIR/resume.sqlite" --endpoint "http://127.0.0.1:$PORT" \
    --progress json 2>"$BENCH_DIR/resume.ndjson" >/dev/null &
  RUN=$!
  first=""
  while kill -0 $RUN 2>/dev/null; do
    # curl + grep, not python: a poll costs ~10 ms rather than ~200 ms, so the time is that close.
    n=$(curl -s -H "x-goog-api-key: ${GEMINI_API_KEY:-bench}" "http://127.0.0.1:$PORT/mock/stats" | grep -oE '"requests":[0-9]+' | cut -d: -f2 || echo 0)
    if [ "${n:-0}" -gt 0 ]; then first=$(now); break; fi
    sleep 0.01
  done
  wait $RUN || true
  t1=$(now); stop_mock
  python3 -c "print(f'resume: 1,000,000-job store, 1,000 left: first request after {${first:-$t1}-$t0:.2f} s; run finished after {$t1-$t0:.2f} s')"
  ;;
esac; done
