#!/usr/bin/env bash
# Side-by-side benchmark of Gatehouse and the peer (oidc-provider 9.13.3, ../shared/bench/peer)
# in one run, with the same wrk settings, on the same machine. Prints both figures and their
# ratio; writes everything to bench/out/<UTC timestamp>/.
#
#   bench/run.sh                      every endpoint below (RS256), 2 repetitions
#   ENDPOINTS="jwks" REPS=1 DUR=10 bench/run.sh
#
# Endpoints: discovery, jwks, authorize, login_page (wrk); verify, login_roundtrip (bench/login.mjs,
# which also serves Gatehouse's SMTP port and reads the codes from the emails).
# Settings (environment): DUR (20 s timed), WARM (5 s warm-up), CONN (50), THREADS (wrk, 2),
# REPS (2), GH_THREADS (gatehouse I/O threads, default: cores), PEER_DIR (npm install location);
# for verify and login_roundtrip: LOGIN_N (2000 logins), LOGIN_C (16 at once), LOGIN_WARMUP (200
# round trips per server first), LOGIN_BATCH (250: verify prepares and times this many at a time).
# PROFILE=<endpoint>: `perf record -g` on Gatehouse during its timed part of that endpoint only
# (for verify, the verify requests: the preparation is not recorded); the first 100 lines of
# `perf report --stdio` in $OUT/perf-<endpoint>-<rep>.txt.
# PERF_ARGS replaces -g (e.g. "--call-graph dwarf", or "-e sched:sched_switch -g" for off-CPU).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PEER_SRC="${PEER_SRC:-$ROOT/../shared/bench/peer}"
PEER_DIR="${PEER_DIR:-$ROOT/bench/peer-install}"
DUR="${DUR:-20}"; WARM="${WARM:-5}"; CONN="${CONN:-50}"; THREADS="${THREADS:-2}"; REPS="${REPS:-2}"
ENDPOINTS="${ENDPOINTS:-discovery jwks authorize login_page verify login_roundtrip}"
LOGIN_N="${LOGIN_N:-2000}"; LOGIN_C="${LOGIN_C:-16}"; LOGIN_WARMUP="${LOGIN_WARMUP:-200}"; LOGIN_BATCH="${LOGIN_BATCH:-250}"
PROFILE="${PROFILE:-}"
OUT="${OUT:-$ROOT/bench/out/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }

"$ROOT/scripts/install-deps"
command -v node >/dev/null || { echo "bench: node and npm are needed for the peer (apt-get install nodejs npm)" >&2; exit 1; }
"$ROOT/scripts/build" release >/dev/null
GH="$ROOT/build/src/app/gatehouse"

# ---- the peer
mkdir -p "$PEER_DIR"
( cd "$PEER_DIR"
  [ -f package.json ] || npm init -y >/dev/null
  if [ "$(node -p "try{require('./node_modules/oidc-provider/package.json').version}catch{''}")" != "9.13.3" ]; then
    npm install --no-audit --no-fund oidc-provider@9.13.3 >/dev/null
  fi
  npm pkg set type=module
  cp "$PEER_SRC/server.js" "$PEER_SRC/status_count.lua" . )

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_http() { for _ in $(seq 1 200); do curl -sf -o /dev/null "$1" && return 0; sleep 0.05; done; log "no answer from $1"; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

PEER_PORT=$(free_port)
( cd "$PEER_DIR" && NODE_ENV=production SIGN_ALG=RS256 PORT=$PEER_PORT exec node server.js ) > "$OUT/peer.log" 2>&1 &
PEER_PID=$!; PIDS+=("$PEER_PID")
PEER="http://127.0.0.1:$PEER_PORT"
wait_http "$PEER/.well-known/openid-configuration"

DATA="$OUT/gh-data"
GH_PORT=$(free_port)
"$GH" init --data "$DATA" --issuer "http://127.0.0.1:$GH_PORT" --redirect-uri "http://127.0.0.1:9999/cb" \
  > "$OUT/gh-init.json" 2>/dev/null
GH_CLIENT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_id"])' "$OUT/gh-init.json")
GH_THREADS_FLAG=(); [ -n "${GH_THREADS:-}" ] && GH_THREADS_FLAG=(--threads "$GH_THREADS")
# Sign-in emails go to bench/login.mjs, which listens on SMTP_PORT while it runs. The rate limits
# (5 emails per address, 30 per IP per 15 min, 30 code checks per IP per 5 min by default) are
# raised out of the way: every request of the bench comes from 127.0.0.1.
SMTP_PORT=$(free_port)
RATE_LIMITS=(--rate-limit-email 100000000 --rate-limit-ip 100000000 --rate-limit-verify-ip 100000000)
"$GH" serve --data "$DATA" --listen "127.0.0.1:$GH_PORT" "${GH_THREADS_FLAG[@]}" \
  --smtp "smtp://127.0.0.1:$SMTP_PORT" "${RATE_LIMITS[@]}" > "$OUT/gatehouse.out" 2> "$OUT/gatehouse.log" &
GH_PID=$!; PIDS+=("$GH_PID")
GHURL="http://127.0.0.1:$GH_PORT"
wait_http "$GHURL/healthz"
rss() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }
GH_RSS_IDLE=$(rss "$GH_PID"); PEER_RSS_IDLE=$(rss "$PEER_PID")

{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) x $(nproc)"
  echo "kernel: $(uname -r); debian $(cat /etc/debian_version)"
  dirty=$(git -C "$ROOT" status --porcelain -- src web CMakeLists.txt 2>/dev/null | wc -l)
  echo "gatehouse: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$([ "$dirty" -gt 0 ] && echo " + $dirty uncommitted files in src/, web/") (RelWithDebInfo, default flags, access log on)"
  echo "peer: oidc-provider $(node -p "require('$PEER_DIR/node_modules/oidc-provider/package.json').version"), node $(node -v)"
  echo "wrk: -t$THREADS -c$CONN -d${DUR}s after a ${WARM}s warm-up; reps=$REPS"
  echo "login.mjs: N=$LOGIN_N C=$LOGIN_C warmup=$LOGIN_WARMUP batch=$LOGIN_BATCH; gatehouse ${RATE_LIMITS[*]}"
} > "$OUT/versions.txt"
cat "$OUT/versions.txt" >&2

# The same valid authorization request for both (the peer answers 303 to its login page, Gatehouse
# 302 to its hosted page); each creates a login transaction.
AUTH_QS="response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A9999%2Fcb&scope=openid+profile+email&state=xyz"
# login_page: one login transaction each, made just before its wrk run (both expire after 10
# minutes; the peer's in-memory store keeps only the last 1000 entries). Gatehouse's page is asked
# without a cookie, so every answer also sets the CSRF cookie, as on a first visit; the peer's
# needs its signed _interaction cookie.
GH_TX=""; PEER_UID=""; PEER_COOKIE=""
new_login_page() {
  GH_TX=$(curl -s -o /dev/null -w '%{redirect_url}' "$GHURL/oauth/authorize?client_id=$GH_CLIENT&$AUTH_QS" | sed -n 's/.*[?&]tx=\([^&]*\).*/\1/p')
  local hdrs; hdrs=$(curl -s -o /dev/null -D - "$PEER/auth?client_id=bench&$AUTH_QS" | tr -d '\r')
  PEER_UID=$(sed -n 's/^[Ll]ocation: \/interaction\/\(.*\)$/\1/p' <<<"$hdrs")
  PEER_COOKIE=$(sed -n 's/^[Ss]et-[Cc]ookie: \(_interaction\(\.sig\)\?=[^;]*\);.*/\1/p' <<<"$hdrs" | paste -sd';' | sed 's/;/; /g')
  local g p
  g=$(curl -s -o /dev/null -w '%{http_code}' "$GHURL/login?tx=$GH_TX")
  p=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $PEER_COOKIE" "$PEER/interaction/$PEER_UID")
  if [ -z "$GH_TX" ] || [ -z "$PEER_UID" ] || [ "$g" != 200 ] || [ "$p" != 200 ]; then
    log "login_page: not both 200 (gatehouse $g, peer $p)"; exit 1
  fi
}
path_of() { # server endpoint
  case "$2" in
    login_page) if [ "$1" = peer ]; then echo "/interaction/$PEER_UID"; else echo "/login?tx=$GH_TX"; fi ;;
    authorize) if [ "$1" = peer ]; then echo "/auth?client_id=bench&$AUTH_QS"; else echo "/oauth/authorize?client_id=$GH_CLIENT&$AUTH_QS"; fi ;;
    discovery) echo "/.well-known/openid-configuration" ;;
    jwks) if [ "$1" = peer ]; then echo "/jwks"; else echo "/keys"; fi ;;
  esac
}

run_wrk() { # server endpoint rep -> "rps p50 p99 errors"
  local server=$1 ep=$2 rep=$3 base
  if [ "$server" = peer ]; then base=$PEER; else base=$GHURL; fi
  local url="$base$(path_of "$server" "$ep")" hdr=()
  if [ "$server" = peer ] && [ "$ep" = login_page ]; then hdr=(-H "Cookie: $PEER_COOKIE"); fi
  wrk -t"$THREADS" -c"$CONN" -d"${WARM}s" "${hdr[@]}" -s "$PEER_DIR/status_count.lua" "$url" > "$OUT/warm-$server-$ep-$rep.txt" 2>&1
  local perf_pid=""
  if [ "$PROFILE" = "$ep" ] && [ "$server" = gatehouse ]; then
    # shellcheck disable=SC2086
    perf record ${PERF_ARGS:--g} -p "$GH_PID" -o "$OUT/perf-$ep-$rep.data" > "$OUT/perf-$ep-$rep.log" 2>&1 &
    perf_pid=$!
  fi
  wrk -t"$THREADS" -c"$CONN" -d"${DUR}s" "${hdr[@]}" --latency "$url" > "$OUT/wrk-$server-$ep-$rep.txt" 2>&1
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"; wait "$perf_pid" || true
    perf report -i "$OUT/perf-$ep-$rep.data" --stdio 2>/dev/null | head -100 > "$OUT/perf-$ep-$rep.txt" || true
  fi
  awk 'function ms(v){ if (v ~ /us$/) return substr(v,1,length(v)-2)/1000; if (v ~ /ms$/) return substr(v,1,length(v)-2)+0;
                       if (v ~ /s$/) return substr(v,1,length(v)-1)*1000; return v+0 }
       /^Requests\/sec:/ {rps=$2} /^ +50% / {p50=ms($2)} /^ +99% / {p99=ms($2)}
       /Non-2xx or 3xx responses:/ {non=$NF} /Socket errors:/ {gsub(/,/,""); se=$4+$6+$8+$10}
       END {printf "%.0f %.2f %.2f %d\n", rps, p50, p99, non+se}' "$OUT/wrk-$server-$ep-$rep.txt"
}

# verify and login_roundtrip: bench/login.mjs prints the summary row itself (its own table and
# details go to login-<endpoint>-<rep>.txt and login.tsv).
run_login() { # endpoint rep
  local perf_pid="" ctl=""
  if [ "$PROFILE" = "$1" ]; then
    ctl="$OUT/perf-ctl"; rm -f "$ctl" "$ctl.ack"; mkfifo "$ctl" "$ctl.ack"
    # shellcheck disable=SC2086
    perf record ${PERF_ARGS:--g} -D -1 --control "fifo:$ctl,$ctl.ack" -p "$GH_PID" -o "$OUT/perf-$1-$2.data" > "$OUT/perf-$1-$2.log" 2>&1 &
    perf_pid=$!
  fi
  GH="$GHURL" GH_CLIENT="$GH_CLIENT" PEER="$PEER" SMTP_PORT="$SMTP_PORT" N="$LOGIN_N" C="$LOGIN_C" \
    WARMUP="$LOGIN_WARMUP" BATCH="$LOGIN_BATCH" OUT="$OUT" PERF_CTL="$ctl" \
    node "$ROOT/bench/login.mjs" "$1" "$2" 2> "$OUT/login-$1-$2.txt" || log "$1: bench/login.mjs failed (see login-$1-$2.txt)"
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"; wait "$perf_pid" || true; rm -f "$ctl" "$ctl.ack"
    perf report -i "$OUT/perf-$1-$2.data" --stdio 2>/dev/null | head -100 > "$OUT/perf-$1-$2.txt" || true
  fi
}

printf "endpoint\trep\tgatehouse_rps\tgh_p50_ms\tgh_p99_ms\tgh_errors\tpeer_rps\tpeer_p50_ms\tpeer_p99_ms\tpeer_errors\tratio\n" > "$OUT/summary.tsv"
for rep in $(seq 1 "$REPS"); do
  for ep in $ENDPOINTS; do
    if [ "$ep" = verify ] || [ "$ep" = login_roundtrip ]; then
      run_login "$ep" "$rep" | tee -a "$OUT/summary.tsv" >&2
      continue
    fi
    [ "$ep" = login_page ] && new_login_page
    read -r g_rps g_p50 g_p99 g_err < <(run_wrk gatehouse "$ep" "$rep")
    read -r p_rps p_p50 p_p99 p_err < <(run_wrk peer "$ep" "$rep")
    ratio=$(awk -v a="$g_rps" -v b="$p_rps" 'BEGIN{printf "%.1f", (b>0? a/b : 0)}')
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$ep" "$rep" "$g_rps" "$g_p50" "$g_p99" "$g_err" \
      "$p_rps" "$p_p50" "$p_p99" "$p_err" "$ratio" | tee -a "$OUT/summary.tsv" >&2
  done
done
GH_RSS_AFTER=$(rss "$GH_PID")
{
  echo "gatehouse_rss_idle_kb $GH_RSS_IDLE"
  echo "gatehouse_rss_after_load_kb $GH_RSS_AFTER"
  echo "peer_rss_idle_kb $PEER_RSS_IDLE"
} | tee "$OUT/rss.txt" >&2
log "done: $OUT"
column -t "$OUT/summary.tsv"
