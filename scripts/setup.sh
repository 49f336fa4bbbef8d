#!/usr/bin/env bash
# Installs what gembatch needs to build on a fresh Debian machine with the Swift toolchain:
# the SQLite headers GRDB links against. Idempotent and quiet when everything is there.
set -euo pipefail

need_apt=()
if ! dpkg -s libsqlite3-dev >/dev/null 2>&1; then need_apt+=(libsqlite3-dev); fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! command -v swift >/dev/null 2>&1; then
  if [ -x /opt/swift/usr/bin/swift ]; then export PATH="/opt/swift/usr/bin:$PATH"; else
    echo "setup: the Swift toolchain (6.1 or later) is needed: https://www.swift.org/install/" >&2
    exit 1
  fi
fi
