#!/usr/bin/env bash
# Side-by-side benchmark of Gatehouse and the peer (oidc-provider 9.13.3, ../shared/bench/peer)
# in one run, with the same wrk settings, on the same machine. Prints both figures and their
# ratio; writes everything to bench/out/<UTC timestamp>/.
#
#   bench/run.sh                      every endpoint below (RS256 keys; cc_es256: ES256), 2 repetitions
#   ENDPOINTS="jwks" REPS=1 DUR=10 bench/run.sh
#
# Endpoints: discovery, jwks, authorize, login_page (wrk); verify, login_roundtrip, login_full
# (bench/loadgen/login_load (C++), which also serves Gatehouse's SMTP port and reads the codes
# from the emails);
# cc_rs256, cc_es256 (wrk with bench/token_cc.lua: POST client_credentials with client_secret_basic,
# only 200s with an access_token count). cc_es256 runs against a second Gatehouse (own data dir,
# `init`/`serve --signing-alg ES256`) and a second peer (SIGN_ALG=ES256), started when first needed.
# Signing bound: once per repetition, before the first cc_* or login_full row, `openssl speed
# -multi 2 -seconds $SPEED_SECONDS rsa2048` (and ecdsap256 when cc_es256 is asked for; repeated when
# other processes used more than QUIET_MAX cores during it, SPEED_RETRIES); for cc_rs256 (and the
# rows after it in the repetition) the RSA bound is the mean of that measurement and one more taken
# right after Gatehouse's timed cc_rs256 part; its sign/s go into the bound_sign_s column and share_of_bound = signatures/s reached ÷ that bound (one
# signature per client_credentials token, two per login_full login: ID token and access token).
# Settings (environment): DUR (20 s timed), WARM (5 s warm-up), CONN (50), THREADS (wrk, 2),
# REPS (2), GH_THREADS (gatehouse I/O threads, default: cores), PEER_DIR (npm install location),
# SPEED_SECONDS (10), QUIET_MAX_WAIT (120: seconds to wait, before each row and each openssl speed,
# for other processes to use less than QUIET_MAX=0.15 cores; every row records the cores other
# processes used while it was timed and the 1-minute load average), SKIP_BUILD=1 (use build/ as is);
# for verify, login_roundtrip and login_full: LOGIN_N (2000 logins), LOGIN_C (16 at once), LOGIN_WARMUP (200
# round trips per server first), LOGIN_BATCH (250: verify prepares and times this many at a time).
# PROFILE=<endpoint>: `perf record -g` on Gatehouse during its timed part of that endpoint only
# (for verify, the verify requests: the preparation is not recorded); the first 100 lines of
# `perf report --stdio` in $OUT/perf-<endpoint>-<rep>.txt, self time per symbol and per shared
# object in perf-<endpoint>-<rep>-flat.txt.
# PERF_ARGS replaces -g (e.g. "--call-graph dwarf", or "-e sched:sched_switch -g" for off-CPU).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PEER_SRC="${PEER_SRC:-$ROOT/../shared/bench/peer}"
PEER_DIR="${PEER_DIR:-$ROOT/bench/peer-install}"
DUR="${DUR:-20}"; WARM="${WARM:-5}"; CONN="${CONN:-50}"; THREADS="${THREADS:-2}"; REPS="${REPS:-2}"
ENDPOINTS="${ENDPOINTS:-discovery jwks authorize login_page verify login_roundtrip cc_rs256 cc_es256 login_full}"
SPEED_SECONDS="${SPEED_SECONDS:-10}"; QUIET_MAX_WAIT="${QUIET_MAX_WAIT:-120}"; QUIET_MAX="${QUIET_MAX:-0.15}"
LOGIN_N="${LOGIN_N:-2000}"; LOGIN_C="${LOGIN_C:-16}"; LOGIN_WARMUP="${LOGIN_WARMUP:-200}"; LOGIN_BATCH="${LOGIN_BATCH:-250}"
PROFILE="${PROFILE:-}"
OUT="${OUT:-$ROOT/bench/out/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }

"$ROOT/scripts/install-deps"
command -v node >/dev/null || { echo "bench: node and npm are needed for the peer (apt-get install nodejs npm)" >&2; exit 1; }
[ -n "${SKIP_BUILD:-}" ] || "$ROOT/scripts/build" release >/dev/null
GH="$ROOT/build/src/app/gatehouse"
LOGIN_LOAD="$ROOT/build/bench/loadgen/login_load"   # the load generator of the login endpoints
if [[ " $ENDPOINTS " =~ \ (verify|login_roundtrip|login_full)\  ]] && [ ! -x "$LOGIN_LOAD" ]; then
  echo "bench: $LOGIN_LOAD is missing (scripts/build release builds it)" >&2; exit 1
fi

# ---- the peer
mkdir -p "$PEER_DIR"
( cd "$PEER_DIR"
  [ -f package.json ] || npm init -y >/dev/null
  if [ "$(node -p "try{require('./node_modules/oidc-provider/package.json').version}catch{''}")" != "9.13.3" ]; then
    npm install --no-audit --no-fund oidc-provider@9.13.3 >/dev/null
  fi
  npm pkg set type=module
  cp "$PEER_SRC/server.js" "$PEER_SRC/status_count.lua" . )
PEER_BASIC="Basic $(printf '%s' 'bench:bench-secret-0123456789abcdef' | base64 -w0)"   # server.js's client

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_http() { for _ in $(seq 1 200); do curl -sf -o /dev/null "$1" && return 0; sleep 0.05; done; log "no answer from $1"; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

start_peer() { # alg -> PEER_PORT PEER_PID
  PEER_PORT=$(free_port)
  ( cd "$PEER_DIR" && NODE_ENV=production SIGN_ALG=$1 PORT=$PEER_PORT exec node server.js ) > "$OUT/peer-$1.log" 2>&1 &
  PEER_PID=$!; PIDS+=("$PEER_PID")
  wait_http "http://127.0.0.1:$PEER_PORT/.well-known/openid-configuration"
}
start_peer RS256
PEER="http://127.0.0.1:$PEER_PORT"

GH_THREADS_FLAG=(); [ -n "${GH_THREADS:-}" ] && GH_THREADS_FLAG=(--threads "$GH_THREADS")
# Sign-in emails go to bench/loadgen/login_load, which listens on SMTP_PORT while it runs. The
# rate limits (5 emails per address, 30 per IP per 15 min, 30 code checks per IP per 5 min by
# default) are raised out of the way: every request of the bench comes from 127.0.0.1.
SMTP_PORT=$(free_port)
RATE_LIMITS=(--rate-limit-email 100000000 --rate-limit-ip 100000000 --rate-limit-verify-ip 100000000)
json_field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(next(d[k] for k in sys.argv[2:] if k in d))' "$@"; }
start_gatehouse() { # alg data-dir -> GH_PORT GH_PID GH_INIT (the init JSON: the login client and its secret)
  local alg=$1 data=$2
  GH_PORT=$(free_port); GH_INIT="$OUT/gh-init-$alg.json"
  "$GH" init --data "$data" --issuer "http://127.0.0.1:$GH_PORT" --redirect-uri "http://127.0.0.1:9999/cb" \
    --signing-alg "$alg" > "$GH_INIT" 2>/dev/null
  "$GH" serve --data "$data" --listen "127.0.0.1:$GH_PORT" --signing-alg "$alg" "${GH_THREADS_FLAG[@]}" \
    --smtp "smtp://127.0.0.1:$SMTP_PORT" "${RATE_LIMITS[@]}" > "$OUT/gatehouse-$alg.out" 2> "$OUT/gatehouse-$alg.log" &
  GH_PID=$!; PIDS+=("$GH_PID")
  wait_http "http://127.0.0.1:$GH_PORT/healthz"
}
# The client_credentials client: `client create --scope bench:read` (without --scope when this
# binary does not know the flag yet: the token then has an empty scope list). Prints the
# client_secret_basic header (RFC 6749 §2.3.1: id and secret form-urlencoded, then base64).
cc_client_basic() { # data-dir
  local f; f="$OUT/gh-cc-client-$(basename "$1").json"
  "$GH" client create --data "$1" --name bench --redirect-uri "http://127.0.0.1:9999/cb" --scope bench:read > "$f" 2>/dev/null ||
    "$GH" client create --data "$1" --name bench --redirect-uri "http://127.0.0.1:9999/cb" > "$f"
  python3 -c 'import base64,json,sys,urllib.parse as u; d=json.load(open(sys.argv[1]))
i=d.get("client_id", d.get("id")); s=d.get("client_secret", d.get("secret"))
print("Basic " + base64.b64encode((u.quote(i, safe="") + ":" + u.quote(s, safe="")).encode()).decode())' "$f"
}

start_gatehouse RS256 "$OUT/gh-data"
GHURL="http://127.0.0.1:$GH_PORT"
GH_CLIENT=$(json_field "$GH_INIT" client_id)
GH_SECRET=$(json_field "$GH_INIT" client_secret)
cp "$GH_INIT" "$OUT/gh-init.json"
GH_CC_BASIC=$(cc_client_basic "$OUT/gh-data")
rss() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }
GH_RSS_IDLE=$(rss "$GH_PID"); PEER_RSS_IDLE=$(rss "$PEER_PID")
MAIN_GH_PID=$GH_PID; MAIN_PEER_PID=$PEER_PID; MAIN_GH_PORT=$GH_PORT

# The ES256 pair for cc_es256, started on first use.
ES_GHURL=""; ES_PEER=""; ES_GH_PID=""; ES_PEER_PID=""; ES_GH_CC_BASIC=""
ensure_es256() {
  [ -n "$ES_GHURL" ] && return 0
  start_peer ES256; ES_PEER="http://127.0.0.1:$PEER_PORT"; ES_PEER_PID=$PEER_PID
  start_gatehouse ES256 "$OUT/gh-data-es256"; ES_GHURL="http://127.0.0.1:$GH_PORT"; ES_GH_PID=$GH_PID
  ES_GH_CC_BASIC=$(cc_client_basic "$OUT/gh-data-es256")
  GH_PID=$MAIN_GH_PID; PEER_PID=$MAIN_PEER_PID; GH_PORT=$MAIN_GH_PORT
}

# ---- CPU accounting: cores used by processes other than the servers and the load generator.
busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }  # user nice system irq softirq steal
our_ticks() { local t=0 p; for p in $MAIN_GH_PID $MAIN_PEER_PID $ES_GH_PID $ES_PEER_PID; do [ -n "$p" ] && [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo "$t"; }
TICK=$(getconf CLK_TCK)
# Waits (up to QUIET_MAX_WAIT s, 3 s windows) until other processes use less than QUIET_MAX cores;
# prints the seconds waited.
wait_quiet() {
  local waited=0 b0 s0 b1 s1
  while :; do
    b0=$(busy_ticks); s0=$(our_ticks); sleep 3; b1=$(busy_ticks); s1=$(our_ticks)
    if awk -v f=$(( (b1 - b0) - (s1 - s0) )) -v t="$TICK" -v m="$QUIET_MAX" 'BEGIN{exit !(f / t / 3 < m)}' ||
       [ "$waited" -ge "$QUIET_MAX_WAIT" ]; then echo "$waited"; return; fi
    waited=$((waited + 3))
  done
}
# cpu_begin; <timed command, run with bash's `time` into $1>; cpu_end FILE -> foreign cores
# (all busy CPU minus the servers' and the timed command's own user+system time, per second).
CPU_B0=0; CPU_S0=0; CPU_T0=0
cpu_begin() { CPU_B0=$(busy_ticks); CPU_S0=$(our_ticks); CPU_T0=$(date +%s.%N); }
cpu_end() { # time-file
  local b1 s1 t1; b1=$(busy_ticks); s1=$(our_ticks); t1=$(date +%s.%N)
  awk -v db=$((b1 - CPU_B0)) -v ds=$((s1 - CPU_S0)) -v t0="$CPU_T0" -v t1="$t1" -v tk="$TICK" -v ct="$(cat "$1" 2>/dev/null || echo '0 0')" \
    'BEGIN{w=t1-t0; split(ct,c," "); f=(db-ds)/tk/w-(c[1]+c[2])/w; printf "%.2f", (f<0?0:f)}'
}
load1() { cut -d' ' -f1 /proc/loadavg; }

{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) x $(nproc)"
  echo "kernel: $(uname -r); debian $(cat /etc/debian_version)"
  dirty=$(git -C "$ROOT" status --porcelain -- src web CMakeLists.txt 2>/dev/null | wc -l)
  echo "gatehouse: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$([ "$dirty" -gt 0 ] && echo " + $dirty uncommitted files in src/, web/") (RelWithDebInfo, default flags, access log on)"
  echo "peer: oidc-provider $(node -p "require('$PEER_DIR/node_modules/oidc-provider/package.json').version"), node $(node -v)"
  echo "wrk: -t$THREADS -c$CONN -d${DUR}s after a ${WARM}s warm-up; reps=$REPS"
  echo "login_load: bench/loadgen/login_load (C++), N=$LOGIN_N C=$LOGIN_C warmup=$LOGIN_WARMUP batch=$LOGIN_BATCH; gatehouse ${RATE_LIMITS[*]}"
  echo "openssl: $(openssl version) (gatehouse links $(ldd "$GH" | awk '/libcrypto/{print $3}')); speed -multi 2 -seconds $SPEED_SECONDS"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); quiet = other processes < $QUIET_MAX cores, waited for up to ${QUIET_MAX_WAIT}s per row"
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
    cc_*) if [ "$1" = peer ]; then echo "/token"; else echo "/oauth/token"; fi ;;
  esac
}
base_of() { # server endpoint
  case "$1:$2" in
    peer:cc_es256) echo "$ES_PEER" ;;
    gatehouse:cc_es256) echo "$ES_GHURL" ;;
    peer:*) echo "$PEER" ;;
    *) echo "$GHURL" ;;
  esac
}
pid_of() { # server endpoint
  case "$1:$2" in
    peer:cc_es256) echo "$ES_PEER_PID" ;;
    gatehouse:cc_es256) echo "$ES_GH_PID" ;;
    peer:*) echo "$MAIN_PEER_PID" ;;
    *) echo "$MAIN_GH_PID" ;;
  esac
}
cc_auth() { # server endpoint
  case "$1:$2" in
    peer:*) echo "$PEER_BASIC" ;;
    gatehouse:cc_es256) echo "$ES_GH_CC_BASIC" ;;
    *) echo "$GH_CC_BASIC" ;;
  esac
}
# One client_credentials request with curl before the load, kept in $OUT/curl-<server>-<ep>.txt
# (with the token's decoded header and claims); a warning in the log unless it is a 200 with an
# access_token. The load runs either way: token_cc.lua counts the failures as errors.
check_cc() { # server endpoint
  local f="$OUT/curl-$1-$2.txt"
  curl -s -i -H "Authorization: $(cc_auth "$1" "$2")" -d grant_type=client_credentials "$(base_of "$1" "$2")$(path_of "$1" "$2")" > "$f" 2>&1 || true
  local decoded
  decoded=$(python3 -c '
import base64, json, sys
raw = open(sys.argv[1], encoding="utf-8", errors="replace", newline="").read()
assert raw.startswith("HTTP/1.1 200"), raw.splitlines()[0] if raw else "no answer"
tok = json.loads(raw[raw.index("\r\n\r\n") + 4:])["access_token"]
dec = lambda p: json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
h, c = tok.split(".")[:2]
print("\n### access_token header:", json.dumps(dec(h)), "\n### access_token claims:", json.dumps(dec(c)))' "$f" 2>&1) ||
    log "$2: $1 does not answer client_credentials with 200 and an access_token (see curl-$1-$2.txt)"
  echo "$decoded" >> "$f"
}

# perf_reports PREFIX: PREFIX.txt, the first 100 lines of `perf report --stdio` (call graphs), and
# PREFIX-flat.txt, self time per symbol and per shared object (entries of 0.5% and more).
perf_reports() {
  perf report -i "$1.data" --stdio 2>/dev/null | head -100 > "$1.txt" || true
  { perf report -i "$1.data" --stdio --no-children -g none --percent-limit 0.5 --sort sym 2>/dev/null | grep -v '^$'
    perf report -i "$1.data" --stdio --no-children -g none --percent-limit 0.5 --sort dso 2>/dev/null | grep -v '^$'; } > "$1-flat.txt" || true
}

run_wrk() { # server endpoint rep -> "rps p50 p99 errors foreign_cores"
  local server=$1 ep=$2 rep=$3
  local url; url="$(base_of "$server" "$ep")$(path_of "$server" "$ep")"
  local hdr=() script=(-s "$PEER_DIR/status_count.lua") timed_script=() auth=""
  if [ "$server" = peer ] && [ "$ep" = login_page ]; then hdr=(-H "Cookie: $PEER_COOKIE"); fi
  if [[ "$ep" == cc_* ]]; then
    script=(-s "$ROOT/bench/token_cc.lua"); timed_script=("${script[@]}"); auth=$(cc_auth "$server" "$ep")
  fi
  local qw; qw=$(wait_quiet)
  WRK_AUTH="$auth" wrk -t"$THREADS" -c"$CONN" -d"${WARM}s" "${hdr[@]}" "${script[@]}" "$url" > "$OUT/warm-$server-$ep-$rep.txt" 2>&1
  local perf_pid=""
  if [ "$PROFILE" = "$ep" ] && [ "$server" = gatehouse ]; then
    # shellcheck disable=SC2086
    perf record ${PERF_ARGS:--g} -p "$(pid_of "$server" "$ep")" -o "$OUT/perf-$ep-$rep.data" > "$OUT/perf-$ep-$rep.log" 2>&1 &
    perf_pid=$!
  fi
  local spid s0; spid=$(pid_of "$server" "$ep"); s0=$(awk '{print $14+$15}' "/proc/$spid/stat")
  cpu_begin
  { TIMEFORMAT='%U %S'; time WRK_AUTH="$auth" wrk -t"$THREADS" -c"$CONN" -d"${DUR}s" "${hdr[@]}" "${timed_script[@]}" --latency "$url" \
      > "$OUT/wrk-$server-$ep-$rep.txt" 2>&1; } 2> "$OUT/wrk-$server-$ep-$rep.time"
  local foreign; foreign=$(cpu_end "$OUT/wrk-$server-$ep-$rep.time")
  local server_cores; server_cores=$(awk -v s0="$s0" -v tk="$TICK" -v d="$DUR" '{printf "%.2f", ($14+$15-s0)/tk/d}' "/proc/$spid/stat")
  echo "quiet_wait_s $qw foreign_cores $foreign load1 $(load1) server_cores $server_cores wrk_cpu_s $(cat "$OUT/wrk-$server-$ep-$rep.time")" >> "$OUT/wrk-$server-$ep-$rep.txt"
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"; wait "$perf_pid" || true
    perf_reports "$OUT/perf-$ep-$rep"
  fi
  # With token_cc.lua only 200s holding an access_token count (GOOD_RPS), everything else is an error.
  awk -v fc="$foreign" 'function ms(v){ if (v ~ /us$/) return substr(v,1,length(v)-2)/1000; if (v ~ /ms$/) return substr(v,1,length(v)-2)+0;
                       if (v ~ /s$/) return substr(v,1,length(v)-1)*1000; return v+0 }
       /^Requests\/sec:/ {rps=$2} /^ +50% / {p50=ms($2)} /^ +99% / {p99=ms($2)}
       /Non-2xx or 3xx responses:/ {non=$NF} /Socket errors:/ {gsub(/,/,""); se=$4+$6+$8+$10}
       /^GOOD / {good=1; bad=$4; grps=$6}
       END {if (good) {rps=grps; non=bad}; printf "%.0f %.2f %.2f %d %s\n", rps, p50, p99, non+se, fc}' "$OUT/wrk-$server-$ep-$rep.txt"
}

# The signing bound of this machine, measured in this run: `openssl speed -multi 2` (both cores),
# once per repetition, after waiting for quiet. A run during which other processes used more than
# QUIET_MAX cores is repeated (up to SPEED_RETRIES=2 more times; every attempt is kept) and the
# quietest attempt counts: a contended bound would flatter Gatehouse. Sets RSA_SIGN / EC_SIGN
# (sign/s) for the repetition.
# speed_once ALG FILE -> "sign/s foreign_cores": one quiet-waited `openssl speed -multi 2`, its
# output and the load it ran under kept in FILE.
speed_once() {
  local qw fc v
  qw=$(wait_quiet)
  cpu_begin
  { TIMEFORMAT='%U %S'; time openssl speed -multi 2 -seconds "$SPEED_SECONDS" "$1" > "$2" 2>&1; } 2> "$2.time"
  fc=$(cpu_end "$2.time")
  echo "quiet_wait_s $qw foreign_cores $fc load1 $(load1)" >> "$2"
  v=$(awk '/^rsa 2048 bits|^ *256 bits ecdsa/ {print $(NF-1)}' "$2" | tail -1)
  echo "$v $fc"
}
RSA_SIGN=""; EC_SIGN=""; BOUND_REP=""
measure_bound() { # rep
  [ "$BOUND_REP" = "$1" ] && return 0
  BOUND_REP=$1; RSA_SIGN=""; EC_SIGN=""
  local algos=(rsa2048); [[ " $ENDPOINTS " == *" cc_es256 "* ]] && algos+=(ecdsap256)
  local a fc v att best best_fc
  for a in "${algos[@]}"; do
    best=""; best_fc=""
    for att in $(seq 1 $((1 + ${SPEED_RETRIES:-2}))); do
      read -r v fc < <(speed_once "$a" "$OUT/openssl-speed-$a-$1-a$att.txt")
      log "bound rep $1 attempt $att: openssl speed -multi 2 $a: $v sign/s (other processes: $fc cores)"
      if [ -z "$best_fc" ] || awk -v a="$fc" -v b="$best_fc" 'BEGIN{exit !(a < b)}'; then best=$v; best_fc=$fc; fi
      awk -v f="$fc" -v m="$QUIET_MAX" 'BEGIN{exit !(f <= m)}' && break
    done
    if [ "$a" = rsa2048 ]; then RSA_SIGN=$best; else EC_SIGN=$best; fi
  done
  RSA_BEFORE=$RSA_SIGN
}
# The RSA bound again right after Gatehouse's timed cc_rs256 part, so that the bound of that row
# is the mean of one measurement just before and one just after it. The two cores are virtual:
# quiet measurements of the same run differ by up to 13% (a neighbour on the host is invisible
# from here), and a single measurement half a minute away can land on either side of that swing.
# Both figures are logged and kept in openssl-speed-rsa2048-<rep>-after.txt.
RSA_BEFORE=""
measure_bound_after() { # rep
  local fc v
  read -r v fc < <(speed_once rsa2048 "$OUT/openssl-speed-rsa2048-$1-after.txt")
  log "bound rep $1 after cc_rs256: openssl speed -multi 2 rsa2048: $v sign/s (other processes: $fc cores); before: $RSA_BEFORE"
  RSA_SIGN=$(awk -v a="$RSA_BEFORE" -v b="$v" 'BEGIN{printf "%.1f", (a + b) / 2}')
}
# bound_cols endpoint gatehouse_rate -> "bound_sign_s share_of_bound": signatures per unit of work,
# and the share of the bound Gatehouse reached.
bound_cols() {
  local b="" sigs=1
  case "$1" in
    cc_rs256) b=$RSA_SIGN ;;
    cc_es256) b=$EC_SIGN ;;
    login_full) b=$RSA_SIGN; sigs=2 ;;
  esac
  if [ -z "$b" ]; then echo "- -"; return; fi
  awk -v b="$b" -v g="$2" -v s="$sigs" 'BEGIN{printf "%.0f %.2f\n", b, (b>0 ? g*s/b : 0)}'
}

# verify, login_roundtrip and login_full: bench/loadgen/login_load (C++) prints the first 11 columns of the
# summary row itself (its own table and details go to login-<endpoint>-<rep>.txt and login.tsv).
run_login() { # endpoint rep
  local perf_pid="" ctl=""
  local qw; qw=$(wait_quiet)
  if [ "$PROFILE" = "$1" ]; then
    ctl="$OUT/perf-ctl"; rm -f "$ctl" "$ctl.ack"; mkfifo "$ctl" "$ctl.ack"
    # shellcheck disable=SC2086
    perf record ${PERF_ARGS:--g} -D -1 --control "fifo:$ctl,$ctl.ack" -p "$MAIN_GH_PID" -o "$OUT/perf-$1-$2.data" > "$OUT/perf-$1-$2.log" 2>&1 &
    perf_pid=$!
  fi
  local row
  cpu_begin
  { TIMEFORMAT='%U %S'; time GH="$GHURL" GH_CLIENT="$GH_CLIENT" GH_SECRET="$GH_SECRET" PEER="$PEER" SMTP_PORT="$SMTP_PORT" \
      GH_PID="$MAIN_GH_PID" PEER_PID="$MAIN_PEER_PID" CLK_TCK="$TICK" \
      N="$LOGIN_N" C="$LOGIN_C" WARMUP="$LOGIN_WARMUP" BATCH="$LOGIN_BATCH" OUT="$OUT" PERF_CTL="$ctl" \
      "$LOGIN_LOAD" "$1" "$2" > "$OUT/login-$1-$2.row" 2> "$OUT/login-$1-$2.txt"; } 2> "$OUT/login-$1-$2.time" ||
    log "$1: bench/loadgen/login_load failed or counted errors (see login-$1-$2.txt)"
  # the whole login_load process, warm-ups and both servers included
  local foreign; foreign=$(cpu_end "$OUT/login-$1-$2.time")
  echo "quiet_wait_s $qw foreign_cores $foreign load1 $(load1)" >> "$OUT/login-$1-$2.txt"
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"; wait "$perf_pid" || true; rm -f "$ctl" "$ctl.ack"
    perf_reports "$OUT/perf-$1-$2"
  fi
  row=$(tail -1 "$OUT/login-$1-$2.row")
  [ -n "$row" ] || row=$(printf '%s\t%s\t0\t0\t0\t0\t0\t0\t0\t0\t0' "$1" "$2")
  local bound share; read -r bound share < <(bound_cols "$1" "$(cut -f3 <<<"$row")")
  printf '%s\t%s\t%s\t%s\t%s\n' "$row" "$bound" "$share" "$foreign" "$(load1)"
}

printf "endpoint\trep\tgatehouse_rps\tgh_p50_ms\tgh_p99_ms\tgh_errors\tpeer_rps\tpeer_p50_ms\tpeer_p99_ms\tpeer_errors\tratio\tbound_sign_s\tshare_of_bound\tforeign_cores\tload1\n" > "$OUT/summary.tsv"
for rep in $(seq 1 "$REPS"); do
  for ep in $ENDPOINTS; do
    case "$ep" in cc_*|login_full) measure_bound "$rep" ;; esac
    if [ "$ep" = verify ] || [ "$ep" = login_roundtrip ] || [ "$ep" = login_full ]; then
      run_login "$ep" "$rep" | tee -a "$OUT/summary.tsv" >&2
      continue
    fi
    [ "$ep" = login_page ] && new_login_page
    [ "$ep" = cc_es256 ] && ensure_es256
    if [[ "$ep" == cc_* ]]; then check_cc gatehouse "$ep"; check_cc peer "$ep"; fi
    read -r g_rps g_p50 g_p99 g_err g_fc < <(run_wrk gatehouse "$ep" "$rep")
    [ "$ep" = cc_rs256 ] && measure_bound_after "$rep"
    read -r p_rps p_p50 p_p99 p_err p_fc < <(run_wrk peer "$ep" "$rep")
    ratio=$(awk -v a="$g_rps" -v b="$p_rps" 'BEGIN{printf "%.1f", (b>0? a/b : 0)}')
    read -r bound share < <(bound_cols "$ep" "$g_rps")
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$ep" "$rep" "$g_rps" "$g_p50" "$g_p99" "$g_err" \
      "$p_rps" "$p_p50" "$p_p99" "$p_err" "$ratio" "$bound" "$share" "$g_fc/$p_fc" "$(load1)" | tee -a "$OUT/summary.tsv" >&2
  done
done
# Issue 5's targets, for the rows that have one.
awk -F'\t' 'NR > 1 {
    err = ($6 + $10 > 0) ? sprintf(" (ERRORS: gatehouse %d, peer %d)", $6, $10) : ""
    if ($1 == "cc_rs256") printf "target %s rep %s: share of the RSA-2048 signing bound %.2f (>= 0.85: %s); %.1fx the peer%s\n", $1, $2, $13, ($13 >= 0.85 ? "met" : "MISSED"), $11, err
    if ($1 == "cc_es256") printf "target %s rep %s: %.1fx the peer (>= 7x: %s); share of the P-256 signing bound %.2f%s\n", $1, $2, $11, ($11 >= 7 ? "met" : "MISSED"), $13, err
    if ($1 == "login_full") printf "target %s rep %s: %.1fx the peer (>= 3x: %s); 2 signatures per login = %.2f of the RSA-2048 signing bound%s\n", $1, $2, $11, ($11 >= 3 ? "met" : "MISSED"), $13, err
  }' "$OUT/summary.tsv" | tee "$OUT/targets.txt" >&2
GH_RSS_AFTER=$(rss "$MAIN_GH_PID")
{
  echo "gatehouse_rss_idle_kb $GH_RSS_IDLE"
  echo "gatehouse_rss_after_load_kb $GH_RSS_AFTER"
  echo "peer_rss_idle_kb $PEER_RSS_IDLE"
} | tee "$OUT/rss.txt" >&2
log "done: $OUT"
column -t "$OUT/summary.tsv"
