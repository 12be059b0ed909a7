#!/usr/bin/env bash
# Installs the system programs the test suite talks to, when missing: a real
# Postgres server (initdb/pg_ctl), git with git-http-backend, tmux (CLI prompt
# tests in a real terminal) and Debian's Chromium (web end-to-end tests).
# Needs root (or sudo) only when something is missing.
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/lib/git-core/git-http-backend ] || need+=(git)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "installing system packages the tests need: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
