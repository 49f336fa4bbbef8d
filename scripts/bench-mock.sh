#!/usr/bin/env bash
# Measures the mock's own capacity for small non-streamed answers, side by side with a bare
# Hummingbird route that collects the body and returns a fixed JSON (CeilingServer, built from
# ../shared/bench/ceiling in a scratch copy): both release builds, wrk (apt-get install -y wrk)
# as a separate load process on the same machine, posting scripts/bench-mock.lua's bodies.
# The two are measured in alternating rounds (mock, fixed, mock, fixed, …) so that other load
# on the machine falls on both; the medians and the ratio mock/fixed are printed, with the
# server CPU time per answer (utime+stime from /proc/PID/stat over the run / answers).
# Usage: scripts/bench-mock.sh [duration=10s] [connections=64] [threads=1] [rounds=3]
# GEMBATCH_BIN=path uses that gembatch binary instead of building (old vs new in one sitting).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10s}"; CONNS="${2:-64}"; THREADS="${3:-1}"; ROUNDS="${4:-3}"
command -v wrk >/dev/null || { echo "SKIP bench-mock: wrk is not installed (apt-get install -y wrk)"; exit 0; }
source scripts/bench-common.sh

build_release

# The fixed-body route: ../shared is read-only, so it is built in a scratch copy (refreshed when
# the source changed; the copy's .build is kept between runs).
FIXED=""
CEILING_SRC="$ROOT/../shared/bench/ceiling"
if [ -d "$CEILING_SRC" ]; then
  mkdir -p "$BENCH_DIR/ceiling"
  if ! diff -rq --exclude=.build --exclude=Package.resolved "$CEILING_SRC" "$BENCH_DIR/ceiling" >/dev/null 2>&1; then
    cp -rp "$CEILING_SRC/." "$BENCH_DIR/ceiling/"
  fi
  if swift build -c release --package-path "$BENCH_DIR/ceiling" --product CeilingServer >&2; then
    FIXED="$BENCH_DIR/ceiling/.build/release/CeilingServer"
  else
    echo "bench-mock: the fixed-body route did not build; measuring the mock alone" >&2
  fi
else
  echo "bench-mock: $CEILING_SRC is absent; the fixed-body route is skipped, the mock is measured alone"
fi

FIXED_PID=""
cleanup() {
  if [ -n "${MOCK_PID:-}" ]; then stop_mock; fi
  if [ -n "$FIXED_PID" ]; then kill "$FIXED_PID" 2>/dev/null || true; wait "$FIXED_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

start_mock MOCK_PORT
MOCK_URL="http://127.0.0.1:$MOCK_PORT"
FIXED_URL=""
if [ -n "$FIXED" ]; then
  # A free port from the kernel (bound then released), then wait until the route answers.
  FIXED_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$FIXED" "$FIXED_PORT" >"$BENCH_DIR/fixed.$$.log" 2>&1 &
  FIXED_PID=$!
  FIXED_URL="http://127.0.0.1:$FIXED_PORT"
  for _ in $(seq 1 200); do
    curl -s -o /dev/null -X POST -d '{}' "$FIXED_URL/v1beta/models/m:generateContent" && break
    sleep 0.05
  done
fi

# cpu_ticks PID: utime+stime of the process so far (clock ticks); empty without /proc.
cpu_ticks() { [ -r "/proc/$1/stat" ] && awk '{print $14+$15}' "/proc/$1/stat" || true; }
TICK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# run NAME URL PID: one measured wrk run; appends "answers/s cpu-µs/answer" to $BENCH_DIR/NAME.$$
run() {
  local name=$1 url=$2 pid=$3 before after out reqs rps non2xx cpu
  before=$(cpu_ticks "$pid")
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -s scripts/bench-mock.lua "$url")
  after=$(cpu_ticks "$pid")
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  non2xx=$(awk '/non-2xx/ {print $2}' <<<"$out")
  cpu="n/a"
  if [ -n "$before" ] && [ -n "$after" ] && [ "${reqs:-0}" -gt 0 ]; then
    cpu=$(awk -v t=$((after - before)) -v hz="$TICK" -v n="$reqs" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
  fi
  printf '  %-5s %10.0f answers/s  %6s µs CPU/answer  non-2xx %s\n' "$name" "${rps:-0}" "$cpu" "${non2xx:-?}"
  echo "$rps $cpu" >>"$BENCH_DIR/$name.$$"
}

echo "load before: $(uptime | sed 's/.*load average/load average/'), $(nproc) cores"
echo "wrk -t$THREADS -c$CONNS -d$DURATION, $ROUNDS rounds each, alternating"
echo "mock at $MOCK_URL${FIXED_URL:+; fixed-body route at $FIXED_URL}"
rm -f "$BENCH_DIR/mock.$$" "$BENCH_DIR/fixed.$$"
# One short warm-up each, then the measured rounds.
wrk -t1 -c8 -d2s -s scripts/bench-mock.lua "$MOCK_URL" >/dev/null
[ -n "$FIXED_URL" ] && wrk -t1 -c8 -d2s -s scripts/bench-mock.lua "$FIXED_URL" >/dev/null
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r"
  run mock "$MOCK_URL" "$MOCK_PID"
  [ -n "$FIXED_URL" ] && run fixed "$FIXED_URL" "$FIXED_PID"
done

col_median() { awk -v c="$2" '$c != "n/a" {print $c}' "$1" | median; }
MOCK_RPS=$(col_median "$BENCH_DIR/mock.$$" 1); MOCK_CPU=$(col_median "$BENCH_DIR/mock.$$" 2)
echo "median mock : $MOCK_RPS answers/s, ${MOCK_CPU:-n/a} µs CPU/answer"
if [ -n "$FIXED_URL" ]; then
  FIXED_RPS=$(col_median "$BENCH_DIR/fixed.$$" 1); FIXED_CPU=$(col_median "$BENCH_DIR/fixed.$$" 2)
  echo "median fixed: $FIXED_RPS answers/s, ${FIXED_CPU:-n/a} µs CPU/answer"
  awk -v m="$MOCK_RPS" -v f="$FIXED_RPS" 'BEGIN {if (f > 0) printf "ratio mock/fixed: %.2f in answers/s (higher is better)\n", m / f}'
  if [ -n "$MOCK_CPU" ] && [ -n "$FIXED_CPU" ]; then
    awk -v m="$MOCK_CPU" -v f="$FIXED_CPU" 'BEGIN {if (f > 0) printf "ratio mock/fixed: %.2f in CPU per answer (lower is better)\n", m / f}'
  fi
fi
rm -f "$BENCH_DIR/mock.$$" "$BENCH_DIR/fixed.$$" "$BENCH_DIR/fixed.$$.log"
curl -s -H "x-goog-api-key: ${GEMINI_API_KEY:-bench}" "$MOCK_URL/mock/stats" | head -c 300; echo
