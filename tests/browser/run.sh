#!/usr/bin/env bash
# Runs the browser tests: installs playwright-core (pinned in package-lock.json) when
# node_modules is missing, then `node --test` on the given test files (default: all of them,
# login_page.test.mjs and passwordless.test.mjs).
#   GATEHOUSE_BIN=build/src/app/gatehouse tests/browser/run.sh [FILE.test.mjs ...]
# Needs Debian's chromium (scripts/install-deps); playwright's own browser download is never used.
# passwordless.test.mjs also needs Debian's python3-aiosmtpd (tests/support/smtp_sink.py) and sqlite3.
set -euo pipefail
# Paths given relative to where run.sh was started from stay valid after the cd below.
for var in GATEHOUSE_BIN GATEHOUSE_TEST_OUTPUT; do
  if [ -n "${!var:-}" ]; then export "$var=$(realpath -m -- "${!var}")"; fi
done
cd "$(dirname "$0")"
if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ $# -eq 0 ]; then
  set -- login_page.test.mjs passwordless.test.mjs
fi
exec node --test "$@"
