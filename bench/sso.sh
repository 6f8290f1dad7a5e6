#!/usr/bin/env bash
# Enterprise SSO round trip (issue 7): whole logins through Gatehouse with an OIDC connection whose
# upstream IdP is oidc-provider 9.13.3 (bench/sso/upstream.mjs, production-like like the peer),
# driven by bench/sso/sso.mjs (9 HTTP requests per login, a fresh cookie jar per login for each
# server, up to the tokens). Reports logins/s, latency per step group (Gatehouse's own steps, the
# upstream's, the callback with Gatehouse's back-channel calls) and CPU per login of Gatehouse,
# the upstream and the load generator, measured over the timed part only.
#
#   bench/sso.sh                               N=2000 C=16 WARMUP=200 REPS=3
#   N=100 REPS=1 SKIP_BUILD=1 bench/sso.sh     a smoke test
#
# Settings (environment): N (timed logins per repetition, 2000), C (concurrent logins, 16),
# WARMUP (untimed logins before each repetition, 200), REPS (3), SKIP_BUILD=1 (use build/ as is),
# GH_BIN (another gatehouse binary, for trying the script out; the figures are the release build's),
# GH_THREADS (gatehouse --threads, default: one per core), PEER_DIR (the oidc-provider install,
# bench/peer-install; installed as run.sh does when missing), CONFORM_ID_TOKEN_CLAIMS (1: the
# upstream's ID token holds only sub and Gatehouse calls userinfo for the email, oidc-provider's
# default; 0: the claims are in the ID token), QUIET_MAX_WAIT (120 s: wait before each repetition
# for other processes to use less than QUIET_MAX=0.15 cores), OUT (output directory).
# Output: bench/out/<UTC timestamp>/: summary.tsv (one row per repetition), sso-<rep>.json and
# sso-<rep>.txt (details of each repetition), sso-steps.tsv (every step), versions.txt (machine),
# the servers' logs, the setup's JSON.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PEER_DIR="${PEER_DIR:-$ROOT/bench/peer-install}"
N="${N:-2000}"; C="${C:-16}"; WARMUP="${WARMUP:-200}"; REPS="${REPS:-3}"
QUIET_MAX_WAIT="${QUIET_MAX_WAIT:-120}"; QUIET_MAX="${QUIET_MAX:-0.15}"
OUT="${OUT:-$ROOT/bench/out/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }

command -v node >/dev/null || { echo "bench/sso.sh: node is needed (apt-get install nodejs npm)" >&2; exit 1; }
[ -n "${SKIP_BUILD:-}" ] || "$ROOT/scripts/build" release >/dev/null
GH="${GH_BIN:-$ROOT/build/src/app/gatehouse}"
[ -x "$GH" ] || { echo "bench/sso.sh: no $GH (scripts/build release)" >&2; exit 1; }

# ---- oidc-provider 9.13.3, where bench/run.sh installs it
mkdir -p "$PEER_DIR"
( cd "$PEER_DIR"
  [ -f package.json ] || npm init -y >/dev/null
  if [ "$(node -p "try{require('./node_modules/oidc-provider/package.json').version}catch{''}")" != "9.13.3" ]; then
    npm install --no-audit --no-fund oidc-provider@9.13.3 >/dev/null
  fi )

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
wait_http() { for _ in $(seq 1 400); do curl -sf -o /dev/null "$1" && return 0; sleep 0.05; done; log "no answer from $1"; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
json_field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(next(d[k] for k in sys.argv[2:] if k in d))' "$@"; }

GH_PORT=$(free_port); UP_PORT=$(free_port)
while [ "$UP_PORT" = "$GH_PORT" ]; do UP_PORT=$(free_port); done
GHURL="http://127.0.0.1:$GH_PORT"; UPURL="http://127.0.0.1:$UP_PORT"
UP_CLIENT=gatehouse-bench
UP_SECRET=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')

# ---- the upstream (it must know Gatehouse's callback before Gatehouse starts)
NODE_ENV=production PORT=$UP_PORT CALLBACK="$GHURL/sso/oidc/callback" CLIENT_ID=$UP_CLIENT CLIENT_SECRET=$UP_SECRET \
  PEER_DIR="$PEER_DIR" CONFORM_ID_TOKEN_CLAIMS="${CONFORM_ID_TOKEN_CLAIMS:-1}" \
  node "$ROOT/bench/sso/upstream.mjs" > "$OUT/upstream.log" 2>&1 &
UP_PID=$!; PIDS+=("$UP_PID")
wait_http "$UPURL/.well-known/openid-configuration"

# ---- a throw-away Gatehouse: init, an organization, the OIDC connection, the application
DATA="$OUT/gh-data"
"$GH" init --data "$DATA" --issuer "$GHURL" > "$OUT/gh-init.json"
ORG=$(
  "$GH" org create --data "$DATA" --name "Bench SSO" > "$OUT/gh-org.json"
  json_field "$OUT/gh-org.json" id)
umask 077; printf '%s' "$UP_SECRET" > "$OUT/upstream-secret"; umask 022
"$GH" connection create --data "$DATA" --type oidc --org "$ORG" --name "Bench upstream" \
  --settings "{\"issuer\":\"$UPURL\",\"client_id\":\"$UP_CLIENT\"}" --client-secret-file "$OUT/upstream-secret" > "$OUT/gh-connection.json"
CONN=$(json_field "$OUT/gh-connection.json" id)
[ "$(json_field "$OUT/gh-connection.json" configured)" = True ] || { log "the connection is not configured: $(cat "$OUT/gh-connection.json")"; exit 1; }
"$GH" client create --data "$DATA" --name "Bench SSO app" --redirect-uri "http://127.0.0.1:9999/cb" > "$OUT/gh-client.json"
GH_CLIENT=$(json_field "$OUT/gh-client.json" client_id id)
GH_SECRET=$(json_field "$OUT/gh-client.json" client_secret secret)

GH_THREADS_FLAG=(); [ -n "${GH_THREADS:-}" ] && GH_THREADS_FLAG=(--threads "$GH_THREADS")
# The rate limits concern email sign-in only; raised anyway (every request comes from 127.0.0.1).
RATE_LIMITS=(--rate-limit-email 100000000 --rate-limit-ip 100000000 --rate-limit-verify-ip 100000000)
"$GH" serve --data "$DATA" --listen "127.0.0.1:$GH_PORT" --issuer "$GHURL" "${GH_THREADS_FLAG[@]}" "${RATE_LIMITS[@]}" \
  > "$OUT/gatehouse.out" 2> "$OUT/gatehouse.log" &
GH_PID=$!; PIDS+=("$GH_PID")
wait_http "$GHURL/healthz"
rss() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }
GH_RSS_IDLE=$(rss "$GH_PID"); UP_RSS_IDLE=$(rss "$UP_PID")

# ---- CPU of other processes (as run.sh): all busy CPU minus Gatehouse's and the upstream's, and
# the load generator's own (bash `time`), per second.
TICK=$(getconf CLK_TCK)
busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
our_ticks() { local t=0 p; for p in $GH_PID $UP_PID; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo "$t"; }
wait_quiet() { # prints the seconds waited
  local waited=0 b0 s0 b1 s1
  while :; do
    b0=$(busy_ticks); s0=$(our_ticks); sleep 3; b1=$(busy_ticks); s1=$(our_ticks)
    if awk -v f=$(( (b1 - b0) - (s1 - s0) )) -v t="$TICK" -v m="$QUIET_MAX" 'BEGIN{exit !(f / t / 3 < m)}' ||
       [ "$waited" -ge "$QUIET_MAX_WAIT" ]; then echo "$waited"; return; fi
    waited=$((waited + 3))
  done
}

{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) x $(nproc) (nproc $(nproc))"
  echo "kernel: $(uname -r); debian $(cat /etc/debian_version 2>/dev/null || echo '?')"
  dirty=$(git -C "$ROOT" status --porcelain -- src web CMakeLists.txt 2>/dev/null | wc -l)
  echo "gatehouse: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$([ "$dirty" -gt 0 ] && echo " + $dirty uncommitted files in src/, web/") (RelWithDebInfo, default flags, access log on); binary built $(date -u -r "$GH" +%Y-%m-%dT%H:%M:%SZ)"
  echo "upstream: oidc-provider $(node -p "require('$PEER_DIR/node_modules/oidc-provider/package.json').version") (bench/sso/upstream.mjs, NODE_ENV=production, RS256, conformIdTokenClaims=${CONFORM_ID_TOKEN_CLAIMS:-1}), node $(node -v)"
  echo "openssl: $(openssl version) (gatehouse links $(ldd "$GH" | awk '/libcrypto/{print $3}'))"
  echo "sso.mjs: N=$N C=$C warmup=$WARMUP reps=$REPS; gatehouse ${GH_THREADS_FLAG[*]} ${RATE_LIMITS[*]}"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/versions.txt"
cat "$OUT/versions.txt" >&2

printf 'rep\tn\tconcurrency\tseconds\tlogins_per_s\terrors\tgh_steps_p50_ms\tgh_steps_p99_ms\tupstream_steps_p50_ms\tupstream_steps_p99_ms\tcallback_p50_ms\tcallback_p99_ms\tlogin_p50_ms\tlogin_p99_ms\tgh_steps_mean_ms\tupstream_steps_mean_ms\tcallback_mean_ms\tupstream_inside_token_userinfo_ms\tupstream_socket_backchannel_ms\tcallback_minus_upstream_ms\tgh_cpu_ms\tupstream_cpu_ms\tloadgen_cpu_ms\tforeign_cores\tquiet_wait_s\tload1\n' > "$OUT/summary.tsv"
STATUS=0
for rep in $(seq 1 "$REPS"); do
  qw=$(wait_quiet)
  b0=$(busy_ticks); s0=$(our_ticks); t0=$(date +%s.%N)
  row=""
  if ! row=$( { TIMEFORMAT='%U %S'; time GH="$GHURL" GH_CLIENT="$GH_CLIENT" GH_SECRET="$GH_SECRET" CONN="$CONN" UPSTREAM="$UPURL" \
        GH_PID="$GH_PID" UP_PID="$UP_PID" CLK_TCK="$TICK" N="$N" C="$C" WARMUP="$WARMUP" OUT="$OUT" \
        node "$ROOT/bench/sso/sso.mjs" "$rep" 2> "$OUT/sso-$rep.txt"; } 2> "$OUT/sso-$rep.time" ); then
    log "rep $rep: sso.mjs failed or counted errors (see sso-$rep.txt)"; STATUS=1
  fi
  b1=$(busy_ticks); s1=$(our_ticks); t1=$(date +%s.%N)
  # the whole sso.mjs run (warm-up included): CPU of everything but the two servers and sso.mjs
  foreign=$(awk -v db=$((b1 - b0)) -v ds=$((s1 - s0)) -v t0="$t0" -v t1="$t1" -v tk="$TICK" -v ct="$(cat "$OUT/sso-$rep.time" 2>/dev/null || echo '0 0')" \
    'BEGIN{w=t1-t0; split(ct,c," "); f=(db-ds)/tk/w-(c[1]+c[2])/w; printf "%.2f", (f<0?0:f)}')
  echo "quiet_wait_s $qw foreign_cores $foreign load1 $(cut -d' ' -f1 /proc/loadavg)" >> "$OUT/sso-$rep.txt"
  cat "$OUT/sso-$rep.txt" >&2
  row=$(tail -1 <<<"$row")
  [ -n "$row" ] || row=$(printf '%s\t%s\t%s\t0\t0\t%s' "$rep" "$N" "$C" "$N")
  printf '%s\t%s\t%s\t%s\n' "$row" "$foreign" "$qw" "$(cut -d' ' -f1 /proc/loadavg)" >> "$OUT/summary.tsv"
done
GH_RSS_AFTER=$(rss "$GH_PID"); UP_RSS_AFTER=$(rss "$UP_PID")
{
  echo "gatehouse_rss_idle_kb $GH_RSS_IDLE"
  echo "gatehouse_rss_after_load_kb $GH_RSS_AFTER"
  echo "upstream_rss_idle_kb $UP_RSS_IDLE"
  echo "upstream_rss_after_load_kb $UP_RSS_AFTER"
} | tee "$OUT/rss.txt" >&2
# Errors Gatehouse logged (warnings and worse; the access log is info).
grep -E '"level":"(warn|error)"' "$OUT/gatehouse.log" | head -20 > "$OUT/gatehouse-warnings.txt" || true
[ -s "$OUT/gatehouse-warnings.txt" ] && log "gatehouse logged $(grep -cE '"level":"(warn|error)"' "$OUT/gatehouse.log") warnings/errors (first ones in gatehouse-warnings.txt)"
grep -q 'server_error' "$OUT/upstream.log" && log "the upstream logged server errors (upstream.log)"
log "done: $OUT"
column -t "$OUT/summary.tsv" >&2
exit "$STATUS"
