#!/usr/bin/env bash
# Market benchmark: a release build on the demo (2,000 listed CSL papers) plus N synthetic
# achievements made from the same texts (default 100,000), imported with `innocity market
# import`; then the index rebuild at the server's start (the first search waits for it), search
# latency over HTTP with wrk at 16 connections on 600 queries of three kinds (titles, keyword
# pairs, abstract clauses), and relevance against the contract's baseline (jieba + BM25) on the
# development queries (`innocity market relevance`).
# Then N technology contracts (default 10,000) submitted by a seller's API token, each with its
# signed text uploaded (a small PDF), and registered
# by the office's, 8 at a time (register_s), and the yearly figures over them (stats_s, the
# median of five GET /api/v1/market/figures).
# The last line is: BENCH market search_p50_ms=… search_p99_ms=… rebuild_s=… import_s=…
#   register_s=… stats_s=… mrr_dev=… mrr_baseline=…
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${BENCH_DURATION:-15s}"
CONNS="${BENCH_CONNECTIONS:-16}"
SYNTHETIC="${BENCH_SYNTHETIC:-100000}"
CONTRACTS="${BENCH_CONTRACTS:-10000}"
CSL=crates/demo/data/csl_papers.tsv

command -v wrk >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/innocity/target}"
cargo build --release -p innocity >&2
BIN="$CARGO_TARGET_DIR/release/innocity"

work=$(mktemp -d /tmp/innocity-bench.XXXXXX)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
export INNOCITY_AUDIT_KEY_FILE="$work/audit.key" INNOCITY_AUDIT_CHECKPOINTS="$work/checkpoints.log"
DB="sqlite://$work/bench.db"
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }

echo "== demo organisations, the 2,000 CSL papers and $SYNTHETIC synthetic achievements" >&2
"$BIN" demo --no-serve --no-stats --organisations 300 --database "$DB" >&2
python3 bench/market_gen.py "$CSL" "$SYNTHETIC" "$work/synthetic.tsv" "$work/queries.txt"
owner=$(python3 - "$work/bench.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("SELECT credit_code FROM organisations WHERE kind = 'university' ORDER BY id LIMIT 1").fetchone()[0])
PY
)
# `demo --no-stats` leaves the market empty: the 2,000 papers come in through the contract's import.
"$BIN" market import --input "$CSL" --owner "$owner" --database "$DB" >&2
start=$(now)
"$BIN" market import --input "$work/synthetic.tsv" --owner "$owner" --database "$DB" >&2
import_s=$(secs "$start" "$(now)")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
INNOCITY_LOG=warn "$BIN" serve --database "$DB" --listen "127.0.0.1:$port" >/dev/null &
server=$!
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
echo "== rebuild: the first search waits for the index" >&2
start=$(now)
total=$(curl -sf "$base/api/v1/market/achievements?q=%E7%A8%80%E5%9C%9F" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
rebuild_s=$(secs "$start" "$(now)")
listed=$(curl -sf "$base/api/v1/market/achievements?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
echo "   $listed listed, rebuilt in $rebuild_s s ('稀土': $total)" >&2

cat > "$work/queries.lua" <<LUA
local paths = {}
for line in io.lines("$work/queries.txt") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA
echo "== search: wrk -c$CONNS -d$DURATION over $(wc -l < "$work/queries.txt") queries" >&2
out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$work/queries.lua" "$base")
echo "$out" >&2
to_ms() { python3 -c "import re,sys; v=sys.argv[1]; m=re.match(r'([0-9.]+)(us|ms|s)', v); n=float(m.group(1)); print(f'{n/1000 if m.group(2)==\"us\" else n*1000 if m.group(2)==\"s\" else n:.2f}')" "$1"; }
p50=$(to_ms "$(echo "$out" | awk '$1=="50%" {print $2}')")
p99=$(to_ms "$(echo "$out" | awk '$1=="99%" {print $2}')")
errors=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
[ -z "$errors" ] || { echo "non-2xx answers: $errors" >&2; exit 1; }

echo "== $CONTRACTS technology contracts through the API" >&2
token_for() { # a new API token of a demo account
  local jar="$work/jar-$1" csrf
  csrf=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="_csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
  curl -s -b "$jar" -c "$jar" -o /dev/null -d "_csrf=$csrf&username=$1&password=lanbai2026" "$base/login"
  csrf=$(curl -s -b "$jar" "$base/tokens" | sed -n 's/.*name="_csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
  curl -s -b "$jar" -d "_csrf=$csrf&name=bench" "$base/tokens" | sed -n 's/.*id="new-token">\([^<]*\)<.*/\1/p' | head -1
}
seller=$(python3 - "$work/bench.db" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
name, code = db.execute("SELECT o.name, o.credit_code FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.username = 'orgadmin'").fetchone()
buyer, buyer_code = db.execute("SELECT name, credit_code FROM organisations WHERE credit_code <> ? ORDER BY id LIMIT 1", (code,)).fetchone()
print(json.dumps({"name": name, "credit_code": code, "buyer_name": buyer, "buyer_code": buyer_code}))
PY
)
reg=$(python3 bench/market_client.py register "$base" "$(token_for orgadmin)" "$(token_for bureau)" "$seller" "$CONTRACTS" 8)
echo "   $reg" >&2
register_s=$(echo "$reg" | sed -n 's/.*register_s=\([0-9.]*\).*/\1/p')
echo "$reg" | grep -q "errors=0" || { echo "contracts refused: $reg" >&2; exit 1; }
fig=$(python3 bench/market_client.py figures "$base" "$(date +%Y)")
echo "   $fig" >&2
stats_s=$(echo "$fig" | sed -n 's/.*stats_s=\([0-9.]*\).*/\1/p')

echo "== relevance on the development queries" >&2
rel=$("$BIN" market relevance --input "$CSL")
echo "$rel" >&2
mrr=$(echo "$rel" | awk '$1=="all" {print $3}')
base_mrr=$(echo "$rel" | awk '$1=="all" {print $5}')
echo "BENCH market search_p50_ms=$p50 search_p99_ms=$p99 rebuild_s=$rebuild_s import_s=$import_s register_s=$register_s stats_s=$stats_s mrr_dev=$mrr mrr_baseline=$base_mrr"
