#!/usr/bin/env bash
# Index benchmark, release build, in one run:
# - `innocity index build` over a panel of 3,000 units × 100 indicators × 10 years (impute,
#   screen, treat, normalise across years, aggregate 10 pillars → 2 sub-indices → index);
# - `innocity index sensitivity` on COINr's ASEM example: 4 uncertain assumptions, N = 1,000
#   (6,000 pipeline runs);
# - `innocity indicators compute`: 50 indicator formulas (ratios, previous year, year to date,
#   indicators of indicators) for 2,000 org units × 40 quarters (the computation's own time);
# - the monitoring dashboard of the pilot zone's framework (10 indicators, 2014–2024, charts),
#   signed in as bureau staff: p99 with wrk, 16 connections, 15 s, on the demo database.
# The last line is: BENCH index build_s=… sensitivity_s=… formulas_s=… dashboard_p99_ms=…
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/innocity/target}"
cargo build --release -p innocity >&2
BIN="$CARGO_TARGET_DIR/release/innocity"
ASEM="${ASEM:-crates/core/tests/coinr-asem}"
work=$(mktemp -d /tmp/innocity-index-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "== index build: 3,000 units × 100 indicators × 10 years" >&2
mkdir "$work/panel"
python3 bench/index_gen.py panel "$work/panel" 3000 100 10
start=$(date +%s.%N)
"$BIN" index build --data "$work/panel/iData.csv" --meta "$work/panel/iMeta.csv" --pipeline "$work/panel/pipeline.toml" --out "$work/panel/out" >&2
end=$(date +%s.%N)
build_s=$(python3 -c "print(f'{$end - $start:.2f}')")
wc -l "$work/panel/out/results.csv" >&2

echo "== sensitivity: ASEM, 4 assumptions, N = 1,000" >&2
sens=$("$BIN" index sensitivity --data "$ASEM/iData.csv" --meta "$ASEM/iMeta.csv" --pipeline "$ASEM/pipeline.toml" --n 1000 --out "$work/sa")
echo "$sens" >&2
sensitivity_s=$(echo "$sens" | sed -n 's/.* in \([0-9.]*\) s$/\1/p')
cat "$work/sa/sobol.csv" >&2

echo "== 50 formulas × 2,000 units × 40 quarters" >&2
mkdir "$work/f"
python3 bench/index_gen.py formulas "$work/f" 2000 40
f=$("$BIN" indicators compute --definitions "$work/f/defs.toml" --values "$work/f/values.csv" --output "$work/f/out.csv")
echo "$f" >&2
formulas_s=$(echo "$f" | sed -n 's/.* in \([0-9.]*\) s$/\1/p')

echo "== dashboard under 16 connections" >&2
command -v wrk >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
DB="sqlite://$work/demo.db"
"$BIN" demo --no-serve --database "$DB" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
INNOCITY_LOG=warn "$BIN" serve --database "$DB" --listen "127.0.0.1:$port" >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
jar="$work/cookies"
csrf=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="_csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null -d "_csrf=$csrf&username=bureau&password=lanbai2026" "$base/login"
cookie=$(awk '$6 ~ /innocity_session/ {print $6"="$7}' "$jar")
url="$base/indicators/LANBAI-2020"
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$url")
[ "$status" = 200 ] || { echo "dashboard answered $status" >&2; exit 1; }
out=$(wrk -t2 -c16 -d15s --latency -H "Cookie: $cookie" "$url")
echo "$out" >&2
p99=$(echo "$out" | awk '$1=="99%" {print $2}')
dashboard_p99_ms=$(python3 -c "
v='$p99'
for unit, f in (('us', 0.001), ('ms', 1), ('s', 1000)):
    if v.endswith(unit):
        print(f'{float(v[:-len(unit)]) * f:.2f}'); break
")

echo "BENCH index build_s=$build_s sensitivity_s=$sensitivity_s formulas_s=$formulas_s dashboard_p99_ms=$dashboard_p99_ms"
