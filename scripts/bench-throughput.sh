#!/usr/bin/env bash
# Throughput against the mock with no latency and full persistence, beside the peer (Google's
# Python SDK, ../shared/bench/peer_genai_asyncio.py) and the bare Swift loop (../shared/bench/ceiling),
# on the same file and concurrency, in one run. Prints medians and ratios.
#   scripts/bench-throughput.sh [JOBS=20000] [ROUNDS=3] [CONCURRENCY=64]
source "$(dirname "$0")/bench-common.sh"
JOBS=${JOBS:-20000}; ROUNDS=${ROUNDS:-3}; CONC=${CONCURRENCY:-64}
build_release
have_peer=1; peer_python || have_peer=0
have_ceiling=1; build_ceiling || have_ceiling=0
FILE="$BENCH_DIR/jobs-$JOBS.jsonl"; make_jobs "$FILE" "$JOBS"
start_mock PORT
trap stop_mock EXIT
echo "mock on port $PORT; $JOBS jobs, concurrency $CONC, $ROUNDS rounds" >&2

g=(); p=(); c=()
for r in $(seq 1 "$ROUNDS"); do
  rm -f "$BENCH_DIR"/g.sqlite*
  t0=$(now)
  GEMINI_API_KEY=bench "$BIN" run "$FILE" --db "$BENCH_DIR/g.sqlite" --endpoint "http://127.0.0.1:$PORT" \
    --concurrency "$CONC" --progress none >/dev/null 2>"$BENCH_DIR/g.err" || { cat "$BENCH_DIR/g.err" >&2; exit 1; }
  t1=$(now)
  ok=$(sqlite3 "$BENCH_DIR/g.sqlite" "select count(*) from results")
  [ "$ok" = "$JOBS" ] || { echo "gembatch stored $ok of $JOBS results" >&2; exit 1; }
  g+=("$(echo "$JOBS / ($t1 - $t0)" | bc -l)")
  if [ $have_ceiling = 1 ]; then
    rm -f "$BENCH_DIR"/c.sqlite*
    line=$("$CEILING" "$PORT" "$JOBS" "$CONC" "$BENCH_DIR/c.sqlite")
    c+=("$(echo "$line" | sed -E 's/.* = ([0-9.]+) jobs\/s.*/\1/')")
  fi
  if [ $have_peer = 1 ]; then
    rm -f "$BENCH_DIR"/p.sqlite*
    line=$("$PEER_PY" "$ROOT/../shared/bench/peer_genai_asyncio.py" "$FILE" --base-url "http://127.0.0.1:$PORT" \
      --concurrency "$CONC" --db "$BENCH_DIR/p.sqlite")
    p+=("$(echo "$line" | sed -E 's/.* = ([0-9.]+) jobs\/s.*/\1/')")
  fi
  echo "round $r: gembatch ${g[-1]} jobs/s${c:+, ceiling ${c[-1]}}${p:+, peer ${p[-1]}}" >&2
done
gm=$(printf '%s\n' "${g[@]}" | median)
printf 'gembatch (whole command: start, load %d jobs into the store, send, record): median %.0f jobs/s over %d rounds\n' "$JOBS" "$gm" "$ROUNDS"
if [ $have_ceiling = 1 ]; then
  cm=$(printf '%s\n' "${c[@]}" | median)
  printf 'ceiling (bare loop, no ledger): median %.0f jobs/s; gembatch/ceiling = %.2f\n' "$cm" "$(echo "$gm / $cm" | bc -l)"
fi
if [ $have_peer = 1 ]; then
  pm=$(printf '%s\n' "${p[@]}" | median)
  printf 'peer (google-genai asyncio): median %.0f jobs/s; gembatch/peer = %.1fx\n' "$pm" "$(echo "$gm / $pm" | bc -l)"
fi
