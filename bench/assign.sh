#!/usr/bin/env bash
# Assignment benchmark, release build: 5,000 items × 2,000 experts, demand 5, max load 15, the top
# 200 experts of each item scored (1,000,000 pairs), ~1 % conflicts; `innocity assign` against
# OR-Tools' SimpleMinCostFlow on the same instance (both on integer costs, score × 1e6; both timed
# from the parsed instance to the solution); the objectives must be equal.
# Also `innocity affinity` (BM25 over jieba-tokenised text, field bonus, each item's top 200) for
# 5,000 proposals × 2,000 experts made from the CSL papers (NA when the papers are not beside us).
# The last line is: BENCH assign innocity_s=… ortools_s=… ratio=… objective_equal=… affinity_s=…
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import ortools' 2>/dev/null || python3 -m pip install --quiet ortools >&2
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/innocity/target}"
cargo build --release -p innocity >&2
BIN="$CARGO_TARGET_DIR/release/innocity"
work=$(mktemp -d /tmp/innocity-assign-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 bench/assign_gen.py "$work/instance.json" "${BENCH_ITEMS:-5000}" "${BENCH_EXPERTS:-2000}" "${BENCH_TOP:-200}" >&2
out=$("$BIN" assign --input "$work/instance.json" --output "$work/assignment.json")
echo "$out" >&2
innocity_s=$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s$/\1/p')
ours=$(python3 -c "import json; print(f\"{json.load(open('$work/assignment.json'))['objective']:.6f}\")")
read -r ortools_s theirs < <(python3 bench/assign_ortools.py "$work/instance.json")
echo "innocity: $innocity_s s, objective $ours; OR-Tools: $ortools_s s, objective $theirs" >&2
equal=$(python3 -c "print(str(abs($ours - $theirs) <= 1e-6 * max(1.0, abs($theirs))).lower())")
ratio=$(python3 -c "print(f'{$innocity_s / $ortools_s:.2f}')")
CSL="${CSL:-../shared/data/csl/csl_papers.tsv}"
affinity_s=NA
if [ -f "$CSL" ]; then
  python3 bench/affinity_gen.py "$CSL" "$work" 5000 2000
  a=$("$BIN" affinity --experts "$work/experts.csv" --items "$work/items.csv" --output "$work/from_text.json")
  echo "$a" >&2
  affinity_s=$(echo "$a" | sed -n 's/.* in \([0-9.]*\) s$/\1/p')
fi
echo "BENCH assign innocity_s=$innocity_s ortools_s=$ortools_s ratio=$ratio objective_equal=$equal affinity_s=$affinity_s"
