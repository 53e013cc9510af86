#!/usr/bin/env bash
# Evaluation benchmark, release build, in one run:
# - a campaign over 5,000 units × 60 items (40 read from the platform, 20 qualitative scored
#   by 3 evaluators each, combined by the trimmed mean): normalised, weighted into four
#   dimensions and the composite, ranked, with 200 sensitivity samples (weights ±25 %,
#   min–max or rank normalisation, arithmetic or geometric mean) giving each rank its interval;
# - the campaign's bulletin (通报) as a PDF: method, ranking of all 5,000 with intervals and
#   dimension scores, chart, strengths and weaknesses; opened with poppler's pdfinfo.
# The last line is: BENCH evaluation campaign_s=… report_s=… pdf_pages=…
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
report_s=$(echo "$out" | sed -n 's/.*bulletin in \([0-9.]*\) s$/\1/p')
pdfinfo "$work/bulletin.pdf" >&2
pages=$(pdfinfo "$work/bulletin.pdf" | awk '/^Pages:/ {print $2}')
pdftotext -f 1 -l 1 "$work/bulletin.pdf" "$work/first.txt"
head -20 "$work/first.txt" >&2

echo "BENCH evaluation campaign_s=$campaign_s report_s=$report_s pdf_pages=$pages"
