#!/usr/bin/env bash
# Sharing benchmark, release build on SQLite, through the real server and its API:
# 1. 64 clients book random overlapping hours on 500 instruments for 60 s; then the database is
#    searched for two holds of one instrument that meet (double_booked).
# 2. 64 clients redeem 10,000 vouchers (two to four claims each, some beyond the balance); the
#    server is killed with SIGKILL in the middle and restarted, and clients resend unanswered
#    claims with the same request key. Then every acknowledged redemption must be in the database
#    (killed_lost) and no voucher may have paid out more than its value or gone below zero
#    (overspent); the ledger of the programme must balance.
# The last line: BENCH sharing bookings=… double_booked=… redemptions=… overspent=… killed_lost=… book_p99_ms=… redeem_p99_ms=…
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/innocity/target}"
cargo build --release -p innocity >&2
BIN="$CARGO_TARGET_DIR/release/innocity"
INSTRUMENTS="${BENCH_INSTRUMENTS:-500}"
VOUCHERS="${BENCH_VOUCHERS:-10000}"
SECONDS_BOOKING="${BENCH_SECONDS:-60}"
CONC="${BENCH_CONCURRENCY:-64}"
work=$(mktemp -d /tmp/innocity-sharing-bench.XXXXXX)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start_server() { # port
  INNOCITY_FILES_DIR="$work/files" INNOCITY_LOG=warn "$BIN" serve --listen "127.0.0.1:$1" --database "sqlite://$work/bench.db" >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 400); do curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "server did not start" >&2; cat "$work/server.log" >&2; exit 1
}

# The server's own view of a route's latency (its /metrics histogram): the share of requests it
# answered within 50 ms, so the clients' p99 can be told apart from queueing in the clients.
server_within_50ms() { # route
  curl -fs "$base/metrics" | python3 -c '
import re, sys
route, le50, total = sys.argv[1], 0, 0
for line in sys.stdin:
    m = re.match(r"innocity_http_request_duration_seconds_bucket\{route=\"(.*)\",le=\"(.*)\"\} (\d+)", line)
    if m and m.group(1) == route:
        if m.group(2) == "0.05": le50 = int(m.group(3))
        if m.group(2) == "+Inf": total = int(m.group(3))
print(f"{100.0 * le50 / max(1, total):.1f}")
' "$1"
}

"$BIN" bench-seed-sharing --instruments "$INSTRUMENTS" --vouchers "$VOUCHERS" --out "$work/seed.json" --database "sqlite://$work/bench.db" >&2
port=$((20000 + RANDOM % 20000))
start_server "$port"
base="http://127.0.0.1:$port"

python3 bench/sharing_client.py book "$work/seed.json" "$base" "$CONC" "$SECONDS_BOOKING" "$work/book.json"
read -r bookings book_refused book_errors book_p99 double_booked < <(python3 - "$work/bench.db" "$work/book.json" <<'PY'
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1]); r = json.load(open(sys.argv[2]))
overlaps = c.execute("""SELECT COUNT(*) FROM bookings a JOIN bookings b ON a.instrument_id = b.instrument_id AND a.id < b.id
  AND a.holds = 1 AND b.holds = 1 AND a.starts_at < b.held_until AND b.starts_at < a.held_until""").fetchone()[0]
stored = c.execute("SELECT COUNT(*) FROM bookings WHERE holds = 1").fetchone()[0]
assert stored == len(r["acks"]), (stored, len(r["acks"]))
print(len(r["acks"]), r["refused"], r["errors"], f"{r['p99']:.1f}", overlaps)
PY
)
ls -la "$work"/bench.db* >&2
server_book_le50=$(server_within_50ms "/api/v1/instruments/{id}/bookings")
echo "booking: $bookings booked, $book_refused refused by the rules (taken), $book_errors server errors, p99 ${book_p99} ms at the clients, ${server_book_le50}% answered by the server within 50 ms, $double_booked overlapping holds" >&2

python3 bench/sharing_client.py redeem "$work/seed.json" "$base" "$CONC" "$work/redeem.json" &
client=$!
# kill the server once a good part of the claims is in
for _ in $(seq 1 600); do
  n=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM voucher_redemptions').fetchone()[0])" "$work/bench.db" 2>/dev/null || echo 0)
  [ "$n" -ge $((VOUCHERS / 2)) ] && break
  sleep 0.2
done
server_redeem_le50=$(server_within_50ms "/api/v1/voucher-redemptions")
kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true
echo "killed the server with SIGKILL after $n redemptions; restarting" >&2
start_server "$port"
wait "$client"
read -r redemptions redeem_refused redeem_errors redeem_p99 killed_lost overspent balanced < <(python3 - "$work/bench.db" "$work/redeem.json" "$work/seed.json" <<'PY'
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1]); r = json.load(open(sys.argv[2])); seed = json.load(open(sys.argv[3]))
lost = 0
for a in r["acks"]:
    row = c.execute("SELECT amount_fen, request_key FROM voucher_redemptions WHERE id = ?", (a["id"],)).fetchone()
    lost += row is None or row[0] != a["amount_fen"]
overspent = c.execute("""SELECT COUNT(*) FROM vouchers v WHERE v.balance_fen < 0 OR v.value_fen <> v.balance_fen + v.expired_fen +
  COALESCE((SELECT SUM(amount_fen) FROM voucher_redemptions r WHERE r.voucher_id = v.id AND r.status <> 'rejected'), 0)""").fetchone()[0]
p = seed["programme_id"]
budget, issued, returned = c.execute("SELECT budget_fen, issued_fen, returned_fen FROM voucher_programmes WHERE id = ?", (p,)).fetchone()
value = c.execute("SELECT COALESCE(SUM(value_fen), 0) FROM vouchers WHERE programme_id = ?", (p,)).fetchone()[0]
balanced = int(value == issued and issued - returned <= budget)
print(len(r["acks"]), r["refused"], r["errors"], f"{r['p99']:.1f}", lost, overspent, balanced)
PY
)
echo "redemption: $redemptions acknowledged, $redeem_refused refused (beyond the balance or co-payment), $redeem_errors server errors, p99 ${redeem_p99} ms at the clients, ${server_redeem_le50}% answered by the server within 50 ms before the kill; after the kill $killed_lost acknowledged lost, $overspent vouchers overspent, ledger balanced=$balanced" >&2
echo "BENCH sharing bookings=$bookings double_booked=$double_booked redemptions=$redemptions overspent=$overspent killed_lost=$killed_lost book_p99_ms=$book_p99 redeem_p99_ms=$redeem_p99 server_book_le50ms_pct=$server_book_le50 server_redeem_le50ms_pct=$server_redeem_le50"
