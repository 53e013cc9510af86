#!/usr/bin/env bash
# Innovation subjects benchmark (issue 16), a release build:
#  - `innocity qualify sme` and `innocity qualify hnte` over 100,000 generated enterprises each
#    (bench/qualify_gen.py: boundary-dense cases), wall time (the median of three runs; the first
#    is printed too: on this VM the first process after Python frees its memory pays ~1 s of
#    system time touching pages again) and peak memory of the process; the peer is the
#    independent Python reference (bench/qualify_reference.py, exact fractions) on the same
#    files, whose results must equal ours;
#  - the pool page's query: the 高企 pre-check of every enterprise of a 20,000-organisation demo
#    from its three 107-2 returns (imported with `innocity stats import`), certificates and
#    credit records: GET /api/v1/subjects/precheck as the bureau, median of five.
# The last line is: BENCH subjects sme_s=… hnte_s=… pool_s=… peak_mb=… ref_sme_s=… ref_hnte_s=…
#   enterprises=… pool_enterprises=…
set -euo pipefail
cd "$(dirname "$0")/.."
N="${BENCH_ENTERPRISES:-100000}"
ORGS="${BENCH_ORGS:-20000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/innocity/target}"
cargo build --release -p innocity >&2
BIN="$CARGO_TARGET_DIR/release/innocity"

work=$(mktemp -d /tmp/innocity-subjects-bench.XXXXXX)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
export INNOCITY_AUDIT_KEY_FILE="$work/audit.key" INNOCITY_AUDIT_CHECKPOINTS="$work/checkpoints.log"

# Runs a command; prints "seconds peak_mb" (the child's maximum resident set).
measure() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
took = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{took:.3f} {peak:.1f}")
PY
}

declare -A ours ref peak
for rules in sme hnte; do
  echo "== $N enterprises: innocity qualify $rules" >&2
  python3 bench/qualify_gen.py "$rules" --n "$N" --seed 16 --output "$work/$rules.json"
  runs=()
  mb=0
  for _ in 1 2 3; do
    rm -f "$work/$rules.out.json"
    read -r secs one < <(measure "$BIN" qualify "$rules" --input "$work/$rules.json" --output "$work/$rules.out.json")
    runs+=("$secs")
    mb=$(python3 -c "print(max($mb, $one))")
  done
  secs=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)
  ours[$rules]=$secs; peak[$rules]=$mb
  echo "   innocity: ${runs[*]} s (median $secs), peak $mb MB" >&2
  read -r secs _ < <(measure python3 bench/qualify_reference.py "$rules" --input "$work/$rules.json" --output "$work/$rules.ref.json")
  ref[$rules]=$secs
  echo "   Python reference: $secs s" >&2
  python3 - "$rules" "$work/$rules.out.json" "$work/$rules.ref.json" <<'PY'
import json, sys
from decimal import Decimal
rules, a, b = sys.argv[1:]
ours = json.load(open(a), parse_float=Decimal)["results"]
theirs = json.load(open(b), parse_float=Decimal)["results"]
keys = ["eligible", "direct", "score", "staff_points", "rd_points", "ip_points", "failed"] if rules == "sme" else \
       ["verdict", "rd_ratio", "rd_threshold", "net_assets_growth", "sales_growth", "growth_points", "score"]
def norm(r):
    out = {k: r.get(k) for k in keys}
    if rules == "hnte":
        out["checks"] = [(c["rule"], c["pass"]) for c in r["checks"]]
    return out
diff = sum(norm(x) != norm(y) for x, y in zip(ours, theirs)) + abs(len(ours) - len(theirs))
print(f"   results equal to the reference: {len(ours) - diff} of {len(ours)}", file=sys.stderr)
sys.exit(1 if diff else 0)
PY
done

DB="sqlite://$work/pool.db"
echo "== a demo of $ORGS organisations with three years of 107-2" >&2
"$BIN" demo --no-serve --no-stats --organisations "$ORGS" --database "$DB" >&2
enterprises=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT COUNT(*) FROM organisations WHERE kind='enterprise'\").fetchone()[0])" "$work/pool.db")
for year in 2023 2024 2025; do
  python3 bench/stats_gen.py "$work/pool.db" "$year" "$enterprises" "$work/107-2-$year.csv" >&2
  "$BIN" stats import --form 107-2 --period "$year" --database "$DB" "$work/107-2-$year.csv" >&2
done

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
INNOCITY_LOG=warn "$BIN" serve --database "$DB" --listen "127.0.0.1:$port" >/dev/null &
server=$!
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
jar="$work/cookies"
csrf=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="_csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null -d "_csrf=$csrf&username=bureau&password=lanbai2026" "$base/login"
csrf=$(curl -s -b "$jar" "$base/tokens" | sed -n 's/.*name="_csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
token=$(curl -s -b "$jar" -d "_csrf=$csrf&name=bench" "$base/tokens" | sed -n 's/.*id="new-token">\([^<]*\)<.*/\1/p' | head -1)
echo "== the pre-check of every enterprise (GET /api/v1/subjects/precheck, median of 5)" >&2
pool=$(python3 - "$base" "$token" <<'PY'
import json, statistics, sys, time, urllib.request
base, token = sys.argv[1:]
times = []
for _ in range(5):
    req = urllib.request.Request(f"{base}/api/v1/subjects/precheck", headers={"Authorization": f"Bearer {token}"})
    start = time.perf_counter()
    body = json.load(urllib.request.urlopen(req))
    times.append(time.perf_counter() - start)
print(f"{statistics.median(times):.3f} {body['total']} {body['pass']} {body['fail']} {body['undecided']}")
PY
)
read -r pool_s pool_n pool_pass pool_fail pool_open <<<"$pool"
echo "   $pool_n enterprises in $pool_s s ($pool_pass pass, $pool_fail fail, $pool_open undecided)" >&2
peak_mb=$(python3 -c "print(max(${peak[sme]}, ${peak[hnte]}))")
echo "BENCH subjects sme_s=${ours[sme]} hnte_s=${ours[hnte]} pool_s=$pool_s peak_mb=$peak_mb ref_sme_s=${ref[sme]} ref_hnte_s=${ref[hnte]} enterprises=$N pool_enterprises=$pool_n"
