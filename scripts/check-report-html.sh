#!/usr/bin/env bash
# Renders a gembatch HTML report in headless Chromium: takes a screenshot to look at and fails
# when the page logs a console error or tries to load anything from the network.
#
#   scripts/check-report-html.sh REPORT.html [OUT.png]
#
# Skips (exit 0) when chromium is not installed (apt-get install -y chromium).
set -euo pipefail

html="${1:?usage: $0 REPORT.html [OUT.png]}"
png="${2:-/tmp/report.png}"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [[ -z "$browser" ]]; then
  echo "check-report-html: chromium not found, skipping (apt-get install -y chromium)"
  exit 0
fi
[[ -f "$html" ]] || { echo "check-report-html: $html: no such file" >&2; exit 2; }

# Static checks: one self-contained file, no scripts, nothing fetched.
if grep -Eiq '<script|<link[^>]+href=|src="https?:|url\(https?:|@import' "$html"; then
  echo "check-report-html: $html references scripts or external resources" >&2
  exit 1
fi

abs="$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
log="$(mktemp)"
profile="$(mktemp -d)"
trap 'rm -rf "$log" "$profile"' EXIT
timeout 60 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$profile" \
  --enable-logging=stderr --v=0 --window-size=1280,2000 --screenshot="$png" "file://$abs" 2>"$log" || {
  echo "check-report-html: chromium failed" >&2; cat "$log" >&2; exit 1; }

# Console messages from the page appear as "CONSOLE(...)" or ":INFO:CONSOLE" lines.
if grep -E 'CONSOLE|Uncaught|net::ERR_' "$log" | grep -v 'ERR_FILE_NOT_FOUND.*favicon' >/dev/null; then
  echo "check-report-html: console errors:" >&2
  grep -E 'CONSOLE|Uncaught|net::ERR_' "$log" >&2
  exit 1
fi
[[ -s "$png" ]] || { echo "check-report-html: no screenshot written" >&2; exit 1; }
echo "check-report-html: ok, screenshot $png"
