#!/usr/bin/env bash
# The C++ SDK's hot calls against their bounds, in one run, on one core:
#   authorization_url          URLs/s (target: >= 1,000,000 on one core)
#   validate_access_token      tokens/s with the JWKS cached, RS256 and ES256, divided by
#                              `openssl speed` verify/s of rsa2048 / ecdsap256 on the same core
#                              (target: >= 0.90 for RS256); also divided by the same verify timed
#                              inside the benchmark binary (BM_VerifyBound_*), whose runs are
#                              interleaved with the validation runs (less exposed to drift)
# openssl speed runs before, between and after rounds of the benchmarks; each round is divided by
# the mean of the bounds around it (a machine that gets busier or quieter during the run moves
# both sides); everything runs pinned to core $CORE. The summary gives the median over rounds.
# Real tokens: two Gatehouse servers (RS256 and ES256) are started on loopback, and the benchmark
# fetches one client_credentials token from each before timing.
#
#   bench/sdk.sh                 ROUNDS=5 MIN_TIME=3 SPEED_SECONDS=5 CORE=1 SKIP_BUILD=1
# Output: bench/out/<UTC timestamp>/sdk-summary.txt and .tsv (per round), the raw Google Benchmark
# JSON and openssl output.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS="${ROUNDS:-5}"; MIN_TIME="${MIN_TIME:-3}"; SPEED_SECONDS="${SPEED_SECONDS:-5}"; CORE="${CORE:-1}"
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
bench() { # round
  GATEHOUSE_URL="$RS_URL" GATEHOUSE_CLIENT_ID="$RS_ID" GATEHOUSE_CLIENT_SECRET="$RS_SECRET" \
  GATEHOUSE_ES256_URL="$ES_URL" GATEHOUSE_ES256_CLIENT_ID="$ES_ID" GATEHOUSE_ES256_CLIENT_SECRET="$ES_SECRET" \
    taskset -c "$CORE" "$BENCH" --benchmark_min_time="$MIN_TIME" --benchmark_format=json \
      --benchmark_repetitions=2 --benchmark_enable_random_interleaving=true \
      --benchmark_out="$OUT/sdk_bench-$1.json" --benchmark_out_format=json > /dev/null
}
# Rounds of: bound, benchmarks, bound, benchmarks, ..., bound. Each round's benchmark is divided by
# the mean of the bounds just before and just after it, so drift of the machine's speed during
# the run (seen: 17% between two openssl runs 40 s apart) moves both sides of each ratio alike.
log "$ROUNDS rounds on core $CORE: openssl speed ${SPEED_SECONDS}s, then the benchmarks (min time ${MIN_TIME}s each)"
speed 0 > "$OUT/speed-0.txt"
for r in $(seq 1 "$ROUNDS"); do
  bench "$r"
  speed "$r" > "$OUT/speed-$r.txt"
done

python3 - "$OUT" "$ROUNDS" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
speed = [tuple(map(float, open(f"{out}/speed-{r}.txt").read().split())) for r in range(rounds + 1)]
rows = {"authorization_url": [], "RS256": [], "ES256": []}
inproc = {"RS256": [], "ES256": []}  # against BM_VerifyBound_*, interleaved in the same process
for r in range(1, rounds + 1):
    per_name = {}
    for b in json.load(open(f"{out}/sdk_bench-{r}.json"))["benchmarks"]:
        if b.get("run_type", "iteration") == "iteration":
            per_name.setdefault(b["run_name"], []).append(b["items_per_second"])
    runs = {name: sum(v) / len(v) for name, v in per_name.items()}
    inproc["RS256"].append(runs["BM_ValidateAccessToken_RS256"] / runs["BM_VerifyBound_RSA2048"])
    inproc["ES256"].append(runs["BM_ValidateAccessToken_ES256"] / runs["BM_VerifyBound_P256"])
    rsa = (speed[r - 1][0] + speed[r][0]) / 2
    ec = (speed[r - 1][1] + speed[r][1]) / 2
    rows["authorization_url"].append((runs["BM_AuthorizationUrl"], None))
    rows["RS256"].append((runs["BM_ValidateAccessToken_RS256"], rsa))
    rows["ES256"].append((runs["BM_ValidateAccessToken_ES256"], ec))
lines = ["call\tround\tper_second\tbound_per_second\tshare_of_bound"]
for name, vals in rows.items():
    for r, (v, b) in enumerate(vals, 1):
        lines.append(f"{name}\t{r}\t{v:.0f}\t{b or 0:.0f}\t{v / b:.3f}" if b else f"{name}\t{r}\t{v:.0f}\t\t")
summary = []
summary.append(f"authorization_url: median {statistics.median(v for v, _ in rows['authorization_url']):,.0f}/s "
               f"(min {min(v for v, _ in rows['authorization_url']):,.0f}; target >= 1,000,000/s)")
for name, bound, target in (("RS256", "rsa2048 verify", "target >= 0.90"), ("ES256", "ecdsap256 verify", "no target")):
    shares = [v / b for v, b in rows[name]]
    summary.append(f"validate_access_token {name}: share of the {bound} bound median {statistics.median(shares):.3f} "
                   f"(rounds: {', '.join(f'{x:.3f}' for x in shares)}; {target}); against the same verify "
                   f"timed in-process, interleaved: median {statistics.median(inproc[name]):.3f} "
                   f"(rounds: {', '.join(f'{x:.3f}' for x in inproc[name])})")
summary.append("openssl speed verify/s per bound measurement: rsa2048 " + ", ".join(f"{s[0]:.0f}" for s in speed)
               + "; ecdsap256 " + ", ".join(f"{s[1]:.0f}" for s in speed))
open(f"{out}/sdk-summary.tsv", "w").write("\n".join(lines) + "\n")
open(f"{out}/sdk-summary.txt", "w").write("\n".join(summary) + "\n")
print("\n".join(summary))
PY
log "written: $OUT/sdk-summary.tsv"
