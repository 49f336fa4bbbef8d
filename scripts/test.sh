#!/usr/bin/env bash
# All set-up and every test, in one command (CI runs this through .ci/run).
#   1. the SQLite headers, 2. build with tests, 3. the Swift Testing suite (unit, loopback
#   client/mock, SQLite store, the real binary end to end), 4. Google's own Python SDK against
#   the mock (skipped, and said so, when PyPI cannot be reached).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

swift build --build-tests
set +e
swift test --skip-build 2>&1 | tee /tmp/gembatch-swift-test.log
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "test: the Swift test suite failed (exit $status)" >&2
  exit "$status"
fi

if [ -x scripts/sdk-check.sh ]; then
  scripts/sdk-check.sh
fi
echo "test: all passed"
