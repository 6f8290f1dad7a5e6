#!/usr/bin/env bash
# The C++ SDK's hot calls against their bounds, in one run, on one core:
#   authorization_url          URLs/s (target: >= 1,000,000 on one core)
#   validate_access_token      tokens/s with the JWKS cached, RS256 and ES256, divided by
#                              `openssl speed` verify/s of rsa2048 / ecdsap256 on the same core
#                              (target: >= 0.90 for RS256)
# openssl speed runs before and after the benchmarks (the bound is their mean, so a machine that
# gets busier or quieter during the run moves both sides); everything runs pinned to core $CORE.
# Real tokens: two Gatehouse servers (RS256 and ES256) are started on loopback, and the benchmark
# fetches one client_credentials token from each before timing.
#
#   bench/sdk.sh                 REPS=3 MIN_TIME=3 SPEED_SECONDS=10 CORE=1 SKIP_BUILD=1
# Output: bench/out/<UTC timestamp>/sdk-summary.tsv (+ the raw Google Benchmark JSON and openssl output).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
REPS="${REPS:-3}"; MIN_TIME="${MIN_TIME:-3}"; SPEED_SECONDS="${SPEED_SECONDS:-10}"; CORE="${CORE:-1}"
OUT="${OUT:-$ROOT/bench/out/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/sdk-run.log" >&2; }

"$ROOT/scripts/install-deps"
[ -n "${SKIP_BUILD:-}" ] || "$ROOT/scripts/build" release >/dev/null
GH="$ROOT/build/src/app/gatehouse"
BENCH="$ROOT/build/bench/sdk/sdk_bench"
[ -x "$BENCH" ] || { echo "bench/sdk.sh: $BENCH missing (is libbenchmark-dev installed?)" >&2; exit 1; }

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
wait_http() {
  for _ in $(seq 1 200); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "bench/sdk.sh: $1 did not answer" >&2; exit 1
}
start_gatehouse() { # alg -> prints "url client_id client_secret"
  local alg=$1; local data="$OUT/gh-data-$alg" port; port=$(free_port)
  "$GH" init --data "$data" --issuer "http://127.0.0.1:$port" --redirect-uri "http://127.0.0.1:9999/cb" \
    --signing-alg "$alg" > "$OUT/gh-init-$alg.json" 2>/dev/null
  "$GH" serve --data "$data" --listen "127.0.0.1:$port" --signing-alg "$alg" \
    > "$OUT/gatehouse-$alg.out" 2> "$OUT/gatehouse-$alg.log" &
  PIDS+=("$!")
  wait_http "http://127.0.0.1:$port/healthz"
  echo "http://127.0.0.1:$port $(json_field "$OUT/gh-init-$alg.json" client_id) $(json_field "$OUT/gh-init-$alg.json" client_secret)"
}
read -r RS_URL RS_ID RS_SECRET < <(start_gatehouse RS256)
read -r ES_URL ES_ID ES_SECRET < <(start_gatehouse ES256)

speed() { # label -> "rsa_verify_s ecdsa_verify_s"
  taskset -c "$CORE" openssl speed -seconds "$SPEED_SECONDS" rsa2048 ecdsap256 > "$OUT/openssl-speed-$1.txt" 2>/dev/null
  local rsa ec
  rsa=$(awk '/^rsa 2048 bits/ {print $NF}' "$OUT/openssl-speed-$1.txt")
  ec=$(awk '/256 bits ecdsa \(nistp256\)/ {print $NF}' "$OUT/openssl-speed-$1.txt")
  echo "$rsa $ec"
}
log "openssl speed (before), core $CORE"
read -r RSA1 EC1 < <(speed before)
log "sdk_bench: $REPS repetitions, min time $MIN_TIME s, core $CORE"
GATEHOUSE_URL="$RS_URL" GATEHOUSE_CLIENT_ID="$RS_ID" GATEHOUSE_CLIENT_SECRET="$RS_SECRET" \
GATEHOUSE_ES256_URL="$ES_URL" GATEHOUSE_ES256_CLIENT_ID="$ES_ID" GATEHOUSE_ES256_CLIENT_SECRET="$ES_SECRET" \
  taskset -c "$CORE" "$BENCH" --benchmark_min_time="$MIN_TIME" --benchmark_repetitions="$REPS" \
    --benchmark_report_aggregates_only=true --benchmark_format=json --benchmark_out="$OUT/sdk_bench.json" \
    --benchmark_out_format=json > /dev/null
log "openssl speed (after)"
read -r RSA2 EC2 < <(speed after)

python3 - "$OUT" "$RSA1" "$RSA2" "$EC1" "$EC2" <<'PY'
import json, sys
out, rsa1, rsa2, ec1, ec2 = sys.argv[1], *map(float, sys.argv[2:])
runs = json.load(open(f"{out}/sdk_bench.json"))
median = {b["run_name"]: b["items_per_second"] for b in runs["benchmarks"] if b.get("aggregate_name") == "median"}
rsa, ec = (rsa1 + rsa2) / 2, (ec1 + ec2) / 2
rows = [("authorization_url", median["BM_AuthorizationUrl"], "", "", ">= 1000000/s"),
        ("validate_access_token RS256", median["BM_ValidateAccessToken_RS256"], rsa, "rsa2048 verify", ">= 0.90 of bound"),
        ("validate_access_token ES256", median["BM_ValidateAccessToken_ES256"], ec, "ecdsap256 verify", "(no target)")]
with open(f"{out}/sdk-summary.tsv", "w") as f:
    f.write("call\tper_second\tbound_per_second\tbound\tshare_of_bound\ttarget\n")
    for name, v, b, what, target in rows:
        share = f"{v / b:.3f}" if b else ""
        line = f"{name}\t{v:.0f}\t{b:.0f}\t{what}\t{share}\t{target}" if b else f"{name}\t{v:.0f}\t\t\t\t{target}"
        f.write(line + "\n")
        print(line)
print(f"openssl speed verify/s before/after: rsa2048 {rsa1:.0f}/{rsa2:.0f}, ecdsap256 {ec1:.0f}/{ec2:.0f}")
PY
log "written: $OUT/sdk-summary.tsv"
