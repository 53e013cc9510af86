#!/usr/bin/env bash
# Assignment benchmark, release build, demand 5, each item scored against 40 experts (half from
# its own field), ~1 % of pairs in conflict:
#   - 5,000 items × 2,000 experts (max load 15) and 20,000 × 5,000 (max load 25): the whole
#     `innocity assign` process against OR-Tools' SimpleMinCostFlow built and solved in-process
#     (its JSON parse not counted), each side an untimed run then 5 timed ones back to back, the
#     best of them (medians too: see assign_compare.py for why); the objectives must be equal;
#   - one decline after the 5,000 × 2,000 assignment, re-assigned from the current pairs
#     (`--current`): reassign_ms is the re-optimisation (checks, network, warm start, paths),
#     the best of 5 runs;
#   - `innocity affinity` (BM25 over jieba-tokenised text, field bonus, each item's top 200) for
#     5,000 proposals × 2,000 experts made from the CSL papers (NA when they are not beside us).
#   - panel rules (at most 2 per organisation, a finance expert, a fifth from outside the region)
#     on 5 instances of 200 items × 300 experts (`--panels`): panel_gap_max is the largest gap
#     between an assignment and its proven bound (0: every one proven optimal), panel_s the
#     slowest of them.
# The last line is: BENCH assign innocity_s=… ortools_s=… ratio=… objective_equal=… big_ratio=…
#   reassign_ms=… panel_gap_max=… panel_s=… innocity_solve_s=… ortools_solve_s=… big_innocity_s=…
#   big_ortools_s=… big_innocity_solve_s=… big_ortools_solve_s=… affinity_s=…
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import ortools' 2>/dev/null || python3 -m pip install --quiet ortools >&2
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/innocity/target}"
cargo build --release -p innocity >&2
BIN="$CARGO_TARGET_DIR/release/innocity"
work=$(mktemp -d /tmp/innocity-assign-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 bench/assign_gen.py "$work/small.json" 5000 2000 40 15 >&2
python3 bench/assign_gen.py "$work/big.json" 20000 5000 40 25 >&2
read -r ours theirs ours_solve theirs_solve equal_small ours_med theirs_med \
  < <(python3 bench/assign_compare.py "$BIN" "$work/small.json" "$work/small.out.json")
read -r big_ours big_theirs big_ours_solve big_theirs_solve equal_big big_ours_med big_theirs_med \
  < <(python3 bench/assign_compare.py "$BIN" "$work/big.json" "$work/big.out.json")
equal=false
[ "$equal_small" = true ] && [ "$equal_big" = true ] && equal=true
ratio=$(python3 -c "print(f'{$ours / $theirs:.2f}')")
big_ratio=$(python3 -c "print(f'{$big_ours / $big_theirs:.2f}')")
declined=$(python3 bench/assign_decline.py "$work/small.json" "$work/small.out.json" "$work/declined.json")
reassign_ms=$(for _ in 1 2 3 4 5; do
  re=$("$BIN" assign --input "$work/declined.json" --current "$work/small.out.json" --output "$work/re.json")
  echo "declined $declined: $re" >&2
  echo "$re" | sed -n 's/.*solved \([0-9.]*\) s.*/\1/p'
done | python3 -c "import sys; print(f'{min(float(x) for x in sys.stdin.read().split()) * 1000:.1f}')")
python3 bench/assign_panels_gen.py "$work" 5 >&2
panel_gap_max=0
panel_s=0
for k in 0 1 2 3 4; do
  p=$("$BIN" assign --input "$work/panels-$k.json" --panels "$work/panels-$k.rules.json" --output "$work/panels-$k.out.json")
  echo "panels $k: $p" >&2
  gap=$(python3 -c "import json; print(json.load(open('$work/panels-$k.out.json'))['gap'])")
  secs=$(echo "$p" | sed -n 's/.* in \([0-9.]*\) s$/\1/p')
  panel_gap_max=$(python3 -c "print(max($panel_gap_max, $gap))")
  panel_s=$(python3 -c "print(max($panel_s, $secs))")
done
CSL="${CSL:-../shared/data/csl/csl_papers.tsv}"
affinity_s=NA
if [ -f "$CSL" ]; then
  python3 bench/affinity_gen.py "$CSL" "$work" 5000 2000
  a=$("$BIN" affinity --experts "$work/experts.csv" --items "$work/items.csv" --output "$work/from_text.json")
  echo "$a" >&2
  affinity_s=$(echo "$a" | sed -n 's/.* in \([0-9.]*\) s$/\1/p')
fi
echo "medians: 5,000 × 2,000 innocity $ours_med s, OR-Tools $theirs_med s; 20,000 × 5,000 innocity $big_ours_med s, OR-Tools $big_theirs_med s" >&2
echo "BENCH assign innocity_s=$ours ortools_s=$theirs ratio=$ratio objective_equal=$equal big_ratio=$big_ratio reassign_ms=$reassign_ms panel_gap_max=$panel_gap_max panel_s=$panel_s innocity_solve_s=$ours_solve ortools_solve_s=$theirs_solve big_innocity_s=$big_ours big_ortools_s=$big_theirs big_innocity_solve_s=$big_ours_solve big_ortools_solve_s=$big_theirs_solve affinity_s=$affinity_s"
