#!/usr/bin/env bash
# Runs the browser tests: installs playwright-core (pinned in package-lock.json) when
# node_modules is missing, then `node --test` on login_page.test.mjs.
#   GATEHOUSE_BIN=build/src/app/gatehouse tests/browser/run.sh
# Needs Debian's chromium (scripts/install-deps); playwright's own browser download is never used.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node --test login_page.test.mjs
