#!/usr/bin/env bash
# Index benchmark, release build, in one run:
# - `innocity index build` over a panel of 3,000 units × 100 indicators × 10 years (impute,
#   screen, treat, normalise across years, aggregate 10 pillars → 2 sub-indices → index);
# - `innocity index sensitivity` on COINr's ASEM example: 4 uncertain assumptions, N = 1,000
#   (6,000 pipeline runs);
# - `innocity indicators compute`: 50 indicator formulas (ratios, previous year, year to date,
#   indicators of indicators) for 2,000 org units × 40 quarters (the computation's own time);
# - the dashboard page's p99 under 16 connections: there is no dashboard page yet (NA).
# The last line is: BENCH index build_s=… sensitivity_s=… formulas_s=… dashboard_p99_ms=…
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/innocity/target}"
cargo build --release -p innocity >&2
BIN="$CARGO_TARGET_DIR/release/innocity"
ASEM="${ASEM:-../shared/reference/coinr-asem}"
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

echo "BENCH index build_s=$build_s sensitivity_s=$sensitivity_s formulas_s=$formulas_s dashboard_p99_ms=NA"
