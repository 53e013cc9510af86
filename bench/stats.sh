#!/usr/bin/env bash
# Statistics benchmark: a release build; 10,000 organisations, one annual 107-2 return each
# (57 values, consistent with the form's rules) written as one long-format CSV and imported with
# `innocity stats import` (parse, check, validate every return, write it all in one
# transaction, with a progress bar); then the totals of every value to every level of the
# hierarchy and every disaggregation, timed against DuckDB doing the same GROUP BY over the same
# values exported to CSV, in the same run (best of three each).
# The last line is: BENCH stats import_s=… aggregate_s=… duckdb_s=… ratio=…
set -euo pipefail
cd "$(dirname "$0")/.."
ORGS="${BENCH_ORGS:-10000}"

python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install --quiet duckdb >&2
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/innocity/target}"
cargo build --release -p innocity >&2
BIN="$CARGO_TARGET_DIR/release/innocity"

work=$(mktemp -d /tmp/innocity-stats-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
DB="sqlite://$work/bench.db"
echo "== $ORGS enterprises" >&2
# A few more than $ORGS: the demo's first organisations are universities and institutes.
"$BIN" demo --no-serve --no-stats --organisations "$((ORGS + 40))" --database "$DB" >&2
python3 bench/stats_gen.py "$work/bench.db" 2025 "$ORGS" "$work/107-2.csv" >&2
echo "== import $(wc -l < "$work/107-2.csv") lines" >&2
start=$(date +%s.%N)
"$BIN" stats import --form 107-2 --period 2025 --database "$DB" "$work/107-2.csv" >&2
end=$(date +%s.%N)
import_s=$(python3 -c "print(f'{$end - $start:.2f}')")

echo "== aggregate (innocity, best of 3)" >&2
best=""
for _ in 1 2 3; do
  t=$("$BIN" stats aggregate --form 107-2 --period 2025 --include-drafts --database "$DB" --output "$work/totals.csv" 2>&1 >/dev/null | sed -n 's/.* in \([0-9.]*\) s$/\1/p')
  best=$(python3 -c "print(min(x for x in [$t, ${best:-1e9}]))")
done
groups=$(($(wc -l < "$work/totals.csv") - 1))
echo "innocity: $best s, $groups totals" >&2

echo "== aggregate (DuckDB over the exported CSV, best of 3)" >&2
"$BIN" stats export --form 107-2 --period 2025 --database "$DB" --output "$work/values.csv" >&2
read -r duck duck_groups < <(python3 bench/stats_duckdb.py "$work/values.csv" "$work/totals.csv")
echo "duckdb: $duck s, $duck_groups totals" >&2
[ -n "$duck" ] && [ "$groups" = "$duck_groups" ] || { echo "totals differ: innocity $groups, duckdb ${duck_groups:-?}" >&2; exit 1; }
ratio=$(python3 -c "print(f'{$best / $duck:.2f}')")
echo "BENCH stats import_s=$import_s aggregate_s=$best duckdb_s=$duck ratio=$ratio"
