#!/usr/bin/env bash
# The main job in one command: set up, build, and run an example job file.
# With COMETAPI_KEY or GEMINI_API_KEY set it runs against that endpoint; without, it is a dry run
# against the built-in mock (no network). Extra arguments go to `gembatch run`.
#   scripts/run-example.sh                 # jobs/plain.jsonl, mock unless a key is set
#   JOBS=jobs/extraction.jsonl scripts/run-example.sh --concurrency 8
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

swift build -c release --product gembatch >&2
BIN=.build/release/gembatch
JOBS=${JOBS:-jobs/plain.jsonl}
DB=${DB:-example.sqlite}

endpoint=()
if [ -z "${COMETAPI_KEY:-}" ] && [ -z "${GEMINI_API_KEY:-}" ]; then
  echo "run-example: no COMETAPI_KEY or GEMINI_API_KEY set: dry run against the built-in mock" >&2
  endpoint=(--endpoint mock)
fi
set +e
# The examples name schemas under ../schemas: outside jobs/, so that folder is allowed by name.
"$BIN" run "$JOBS" --db "$DB" "${endpoint[@]}" "$@"
code=$?
set -e
"$BIN" status --db "$DB" || true
"$BIN" export --db "$DB" --format jsonl --out "${DB%.sqlite}.results.jsonl" && echo "results: ${DB%.sqlite}.results.jsonl" >&2 || true
"$BIN" report --db "$DB" --format text || true
exit $code
