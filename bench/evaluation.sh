#!/usr/bin/env bash
# Evaluation benchmark, release build, in one run:
# - a campaign over 5,000 units × 60 items (40 read from the platform, 20 qualitative scored
#   by 3 evaluators each, combined by the trimmed mean): normalised, weighted into four
#   dimensions and the composite, ranked, with 200 sensitivity samples (weights ±25 %,
#   min–max or rank normalisation, arithmetic or geometric mean) giving each rank its interval;
# - the campaign's bulletin (通报) as a PDF: method, ranking of all 5,000 with intervals and
#   dimension scores, chart, strengths and weaknesses; opened with poppler's pdfinfo;
# - the half-yearly monitoring and evaluation report (seed 002) for a 20,000-organisation demo:
#   every reporting organisation's quick reports (KB-Q) for the half's quarters imported, then
#   the bureau's refresh of the quarters (本年累计 summed up the hierarchy, the registers counted)
#   and the report as a PDF — report_s is that refresh and report together.
# The last line is: BENCH evaluation campaign_s=… report_s=… pdf_pages=…
# (campaign_s: the campaign; report_s: the half-year report; pdf_pages: the bulletin's pages.)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/innocity/target}"
cargo build --release -p innocity >&2
BIN="$CARGO_TARGET_DIR/release/innocity"
command -v pdfinfo >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q poppler-utils >/dev/null; }
work=$(mktemp -d /tmp/innocity-evaluation-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "== campaign: 5,000 units × (40 + 20 × 3 evaluators), 200 sensitivity samples; bulletin" >&2
out=$("$BIN" bench-evaluation --units 5000 --quantitative 40 --qualitative 20 --evaluators 3 --runs 200 --pdf "$work/bulletin.pdf")
echo "$out" >&2
campaign_s=$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s; .*/\1/p')
pdfinfo "$work/bulletin.pdf" >&2
pages=$(pdfinfo "$work/bulletin.pdf" | awk '/^Pages:/ {print $2}')
pdftotext -f 1 -l 1 "$work/bulletin.pdf" "$work/first.txt"
head -20 "$work/first.txt" >&2

ORGS="${BENCH_ORGS:-20000}"
DB="sqlite://$work/demo.db"
echo "== the half-year report: a $ORGS-organisation demo, its quick reports for 2026S1" >&2
"$BIN" demo --no-serve --no-stats --organisations "$ORGS" --database "$DB" >&2
python3 bench/quick_gen.py "$work/demo.db" 2026 1 "$work/kbq" >&2
for q in 2026Q1 2026Q2; do
  "$BIN" stats import --form KB-Q --period "$q" --database "$DB" "$work/kbq-$q.csv" >&2
done
# The organisations submit what they filled in (the refresh counts submitted and approved returns).
python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); n = c.execute(\"UPDATE stat_returns SET status = 'submitted' WHERE form = 'KB-Q' AND status = 'draft'\").rowcount; c.commit(); print(f'{n} quick reports submitted', file=sys.stderr)" "$work/demo.db"
half=$("$BIN" indicators half-year-report --period 2026S1 --database "$DB" --pdf "$work/half.pdf")
echo "$half" >&2
report_s=$(echo "$half" | sed -n 's/.*report in \([0-9.]*\) s$/\1/p')
pdfinfo "$work/half.pdf" | grep -E "^Pages" >&2
pdftotext -f 1 -l 1 "$work/half.pdf" - | head -12 >&2

echo "BENCH evaluation campaign_s=$campaign_s report_s=$report_s pdf_pages=$pages"
