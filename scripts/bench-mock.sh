#!/usr/bin/env bash
# Measures the mock's own capacity for small non-streamed answers: release build, the mock on a
# free port, wrk (apt-get install -y wrk) as a separate load process on the same machine.
# Usage: scripts/bench-mock.sh [duration=10s] [connections=64] [threads=1]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10s}"; CONNS="${2:-64}"; THREADS="${3:-1}"
command -v wrk >/dev/null || { echo "SKIP bench-mock: wrk is not installed (apt-get install -y wrk)"; exit 0; }

swift build -c release --product gembatch >/dev/null
BIN="$(swift build -c release --show-bin-path)/gembatch"
OUT="$(mktemp)"
"$BIN" mock --port 0 >"$OUT" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; rm -f "$OUT"' EXIT
URL=""
for _ in $(seq 1 100); do
  URL="$(grep -o 'http://[0-9.]*:[0-9]*' "$OUT" | head -1 || true)"; [ -n "$URL" ] && break; sleep 0.1
done
[ -n "$URL" ] || { echo "mock did not start"; exit 1; }
echo "mock at $URL; wrk -t$THREADS -c$CONNS -d$DURATION"
# One short warm-up, then the measured run.
wrk -t1 -c8 -d2s -s scripts/bench-mock.lua "$URL" >/dev/null
wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s scripts/bench-mock.lua "$URL"
curl -s "$URL/mock/stats" | head -c 300; echo
