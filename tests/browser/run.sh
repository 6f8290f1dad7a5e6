#!/usr/bin/env bash
# Runs the browser tests: installs the npm packages pinned in package-lock.json (playwright-core,
# openid-client, jose, @scalekit-sdk/node) when node_modules does not hold exactly that lock file's
# packages yet, then `node --test` on the given test files (default: all of them, login_page.test.mjs,
# passwordless.test.mjs, tokens.test.mjs, scalekit_sdk.test.mjs, sdk_webapp.test.mjs and
# webapp_run.test.mjs; the last two run the C++ SDK's example, GATEHOUSE_WEBAPP_BIN, default
# build/examples/webapp/gatehouse-example-webapp, the last one through examples/webapp/run).
#   GATEHOUSE_BIN=build/src/app/gatehouse tests/browser/run.sh [FILE.test.mjs ...]
# Needs Debian's chromium (scripts/install-deps); playwright's own browser download is never used.
# sso.test.mjs runs oidc-provider (npm) as the upstream IdP.
# passwordless.test.mjs, tokens.test.mjs, scalekit_sdk.test.mjs and sdk_webapp.test.mjs also need
# Debian's python3-aiosmtpd (tests/support/smtp_sink.py); passwordless.test.mjs needs sqlite3.
set -euo pipefail
# Paths given relative to where run.sh was started from stay valid after the cd below.
for var in GATEHOUSE_BIN GATEHOUSE_WEBAPP_BIN GATEHOUSE_TEST_OUTPUT; do
  if [ -n "${!var:-}" ]; then export "$var=$(realpath -m -- "${!var}")"; fi
done
cd "$(dirname "$0")"
# `npm ci` when the lock file changed since the last install (a copy of it is kept in
# node_modules), under a lock: ctest runs several browser tests at once.
(
  flock 9
  if ! cmp -s package-lock.json node_modules/.gatehouse-installed-lock.json; then
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.gatehouse-installed-lock.json
  fi
) 9>"${TMPDIR:-/tmp}/gatehouse-browser-npm-ci.lock"
if [ $# -eq 0 ]; then
  set -- login_page.test.mjs passwordless.test.mjs tokens.test.mjs scalekit_sdk.test.mjs sdk_webapp.test.mjs sso.test.mjs saml.test.mjs sso_failures.test.mjs \
    webapp_run.test.mjs
fi
exec node --test "$@"
