# Shared helpers for scripts/bench-*.sh (sourced).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source scripts/setup.sh
BENCH_DIR=${BENCH_DIR:-/tmp/gembatch-bench}
mkdir -p "$BENCH_DIR"

# GEMBATCH_BIN=path: use that binary instead of building (old vs new in the same sitting).
build_release() {
  if [ -n "${GEMBATCH_BIN:-}" ]; then BIN=$GEMBATCH_BIN; return; fi
  swift build -c release --product gembatch >&2
  BIN="$ROOT/.build/release/gembatch"
}

# The peer needs google-genai in a virtualenv (shared with scripts/sdk-check.sh).
peer_python() {
  local venv="$ROOT/.venv-sdk"
  if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv" >&2; fi
  if ! "$venv/bin/python" -c "import google.genai" 2>/dev/null; then
    "$venv/bin/pip" install -q google-genai >&2 || { echo "bench: cannot install google-genai; the peer is skipped" >&2; return 1; }
  fi
  PEER_PY="$venv/bin/python"
}

# The bare loop from ../shared/bench/ceiling, built in a scratch copy (shared/ is read-only).
build_ceiling() {
  local src="$ROOT/../shared/bench/ceiling"
  [ -d "$src" ] || { echo "bench: $src absent; the ceiling is skipped" >&2; return 1; }
  if [ ! -x "$BENCH_DIR/ceiling/.build/release/CeilingRunner" ]; then
    rm -rf "$BENCH_DIR/ceiling" && cp -r "$src" "$BENCH_DIR/ceiling"
  fi
  swift build -c release --package-path "$BENCH_DIR/ceiling" >&2
  CEILING="$BENCH_DIR/ceiling/.build/release/CeilingRunner"
}

# start_mock PORTVAR [mock flags…]: starts `gembatch mock` on a free port, waits until it answers.
start_mock() {
  local __var=$1; shift
  local log="$BENCH_DIR/mock.$$.$RANDOM.log"
  "$BIN" mock --port 0 "$@" >"$log" 2>&1 &
  MOCK_PID=$!
  local port=""
  for _ in $(seq 1 200); do
    port=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$log" | head -1 | sed 's/.*://') || true
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { echo "bench: the mock did not start:"; cat "$log"; exit 1; } >&2
  printf -v "$__var" '%s' "$port"
}

stop_mock() { kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; }

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

now() { date +%s.%N; }

make_jobs() {  # make_jobs FILE N [model]
  local file=$1 n=$2 model=${3:-gemini-2.5-flash}
  python3 - "$file" "$n" "$model" <<'PY'
import sys
f, n, model = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(f, "w") as out:
    for i in range(n):
        out.write('{"id":"j%d","model":"%s","prompt":"Question number %d: what is %d times 7?"}\n' % (i, model, i, i))
PY
}
