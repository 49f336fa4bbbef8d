#!/usr/bin/env bash
# Checks `gembatch mock` against Google's own Python SDK (google-genai).
# Creates .venv-sdk/ (git-ignored), installs google-genai, starts the mock on a free port and
# runs scripts/sdk-check.py against it. Where PyPI cannot be reached it prints a SKIP line and
# exits 0. Set GEMBATCH_BIN to use an already built binary.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-sdk
if [ ! -x "$VENV/bin/python" ]; then
  if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
    echo "SKIP sdk-check: cannot create a Python virtualenv (python3 -m venv failed)"
    exit 0
  fi
fi
if ! "$VENV/bin/python" -c 'import google.genai' >/dev/null 2>&1; then
  if ! "$VENV/bin/pip" install -q google-genai >/tmp/sdk-check-pip.log 2>&1; then
    echo "SKIP sdk-check: could not install google-genai from PyPI (registry unreachable?); see /tmp/sdk-check-pip.log"
    exit 0
  fi
fi
echo "google-genai $("$VENV/bin/python" -c 'import google.genai as g; print(g.__version__)')"

BIN="${GEMBATCH_BIN:-}"
if [ -z "$BIN" ]; then
  swift build --product gembatch >/dev/null
  BIN="$(swift build --show-bin-path)/gembatch"
fi

OUT="$(mktemp)"
"$BIN" mock --port 0 >"$OUT" 2>&1 &
MOCK_PID=$!
trap 'kill "$MOCK_PID" 2>/dev/null || true; rm -f "$OUT"' EXIT

URL=""
for _ in $(seq 1 100); do
  URL="$(grep -o 'http://[0-9.]*:[0-9]*' "$OUT" | head -1 || true)"
  [ -n "$URL" ] && break
  sleep 0.1
done
if [ -z "$URL" ]; then
  echo "FAIL sdk-check: the mock did not start"; cat "$OUT"; exit 1
fi
echo "mock at $URL"
"$VENV/bin/python" scripts/sdk-check.py "$URL"
