#!/usr/bin/env bash
# Finance benchmark, release build on SQLite, through the real server and its API, in two halves.
# 1. Policy: a policy (R&D post-subsidy on growth) run for 2025 over a demo of 20,000
#    organisations whose every enterprise has approved 107-2 returns for 2024 and 2025 — list,
#    amounts and rule traces stored — three times, each list returned by a second officer so the
#    next may run; the list is checked line by line against the same rule computed straight from
#    the database in Python (the peer, timed too).
# 2. Ledger: the risk-compensation fund (科技贷风险补偿资金池) of a separate demo of 20,000
#    enterprises, all on its white list, three banks under agreement. 32 client processes post
#    100,000 operations in loan lifecycles of up to five operations each: the bank records a
#    loan, claims on its default, one officer approves (refused once the fund has too little
#    available: it holds about 70 % of what 20,000 claims would take; a refused approval ends its
#    lifecycle and the next begins), a second officer pays, the bank reports a recovery whose
#    share flows back. When about half the operations are in, the server is
#    killed with SIGKILL and restarted on the same port; clients send unanswered requests again
#    with the same request key. Then every acknowledged operation must be in the database
#    (killed_lost), and the ledger must balance (unbalanced counts the problems: a fund whose
#    capital ≠ committed + paid − recovered + available or with a balance below zero, postings
#    that replayed from nothing do not arrive at the balances they recorded or at the fund's,
#    an agreement whose compensated total is not its bank's approved and paid claims, a claim
#    that returned more than it was compensated).
# Env: BENCH_ORGANISATIONS (20000, policy half), BENCH_FUND_ENTERPRISES (20000), BENCH_LOANS
# (20000: the fund's capital, quotas and caps are sized for it), BENCH_OPS (100000 operations),
# BENCH_CLIENTS (32). Details go to stderr.
# The last line: BENCH finance policy_run_s=… enterprises=… entitled=… reference_match=… reference_s=… ledger_ops=… unbalanced=… killed_lost=… ledger_p99_ms=…
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/innocity/target}"
cargo build --release -p innocity >&2
BIN="$CARGO_TARGET_DIR/release/innocity"
ORGS="${BENCH_ORGANISATIONS:-20000}"
FUND_ENTERPRISES="${BENCH_FUND_ENTERPRISES:-20000}"
LOANS="${BENCH_LOANS:-20000}"
CLIENTS="${BENCH_CLIENTS:-32}"
OPS="${BENCH_OPS:-100000}"
work=$(mktemp -d /tmp/innocity-finance-bench.XXXXXX)
server_pid=""
client_pid=""
cleanup() {
  [ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_server() { # database file, port
  INNOCITY_FILES_DIR="$work/files" INNOCITY_LOG=warn "$BIN" serve --listen "127.0.0.1:$2" --database "sqlite://$1" >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 400); do curl -fs "http://127.0.0.1:$2/healthz" >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "server did not start" >&2; cat "$work/server.log" >&2; exit 1
}

# ---------- 1. the policy run ----------
t0=$(date +%s)
"$BIN" bench-seed-finance --organisations "$ORGS" --out "$work/seed.json" --database "sqlite://$work/bench.db" >&2
echo "seeded $ORGS organisations in $(( $(date +%s) - t0 )) s" >&2
port=$((20000 + RANDOM % 20000))
start_server "$work/bench.db" "$port"
result=$(python3 bench/finance_client.py "http://127.0.0.1:$port" "$work/seed.json" "$work/bench.db")
echo "$result" >&2
read -r policy_run_s enterprises entitled reference_match reference_s < <(python3 - "$result" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
slowest = max(r["run_s"])
print(f"policy runs: {', '.join(f'{t:.2f}' for t in r['run_s'])} s over {r['assessed']} enterprises, "
      f"{r['entitled']} entitled, {r['total_fen'] / 1e6:,.2f} 万元; the peer (Python straight from SQLite) "
      f"{r['reference_s']:.2f} s, {r['differ']} lines differ", file=sys.stderr)
print(f"{slowest:.2f} {r['assessed']} {r['entitled']} {r['match']} {r['reference_s']:.2f}")
PY
)
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
server_pid=""

# ---------- 2. the fund's ledger, with a kill -9 in the middle ----------
t0=$(date +%s)
"$BIN" bench-seed-fund --enterprises "$FUND_ENTERPRISES" --loans "$LOANS" --out "$work/fund.json" --database "sqlite://$work/fund.db" >&2
echo "seeded the fund's demo ($FUND_ENTERPRISES enterprises) in $(( $(date +%s) - t0 )) s" >&2
port=$((20000 + RANDOM % 20000))
start_server "$work/fund.db" "$port"
python3 bench/fund_client.py "$work/fund.json" "http://127.0.0.1:$port" "$OPS" "$CLIENTS" "$work/ledger.json" &
client_pid=$!
# operations in so far: loans, claims, recoveries, and the approvals' and payments' postings
count_ops() {
  python3 -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=5)
q = lambda s: c.execute(s).fetchone()[0]
print(q('SELECT COUNT(*) FROM fund_loans') + q('SELECT COUNT(*) FROM fund_claims') + q('SELECT COUNT(*) FROM fund_recoveries')
      + q(\"SELECT COUNT(*) FROM fund_postings WHERE op IN ('commit', 'pay')\"))" "$work/fund.db" 2>/dev/null || echo 0
}
half=$((OPS / 2))
n=0
for _ in $(seq 1 3000); do
  n=$(count_ops)
  [ "$n" -ge "$half" ] && break
  kill -0 "$client_pid" 2>/dev/null || break
  sleep 0.2
done
kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true
echo "killed the server with SIGKILL after $n of $OPS operations; restarting" >&2
start_server "$work/fund.db" "$port"
wait "$client_pid"
client_pid=""
read -r ledger_ops unbalanced killed_lost ledger_p99 < <(python3 - "$work/fund.db" "$work/ledger.json" <<'PY'
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1]); r = json.load(open(sys.argv[2]))
err = lambda *a: print(*a, file=sys.stderr)

# every acknowledged operation must be in the database
loans = {i for (i,) in c.execute("SELECT id FROM fund_loans")}
claims = {i: (loan, status) for i, loan, status in c.execute("SELECT id, loan_id, status FROM fund_claims")}
posted = set(c.execute("SELECT op, claim_id FROM fund_postings WHERE claim_id IS NOT NULL"))
recoveries = dict(c.execute("SELECT id, claim_id FROM fund_recoveries"))
lost = {}
for a in r["acks"]:
    op, i, ref = a["op"], a["id"], a["loan_or_claim_id"]
    if op == "loan":
        ok = i in loans
    elif op == "claim":
        ok = i in claims and claims[i][0] == ref
    elif op == "approve":
        ok = i in claims and claims[i][1] in ("approved", "paid") and ("commit", i) in posted
    elif op == "pay":
        ok = i in claims and claims[i][1] == "paid" and ("pay", i) in posted
    else:
        ok = recoveries.get(i) == ref
    if not ok:
        lost[op] = lost.get(op, 0) + 1

# the ledger: the equation, the replay, the agreements' totals, what claims returned
problems = []
moves = {"deposit": ((0, 1), (4, 1)), "commit": ((4, -1), (1, 1)), "pay": ((1, -1), (2, 1)), "recover": ((3, 1), (4, 1))}
funds = c.execute("SELECT id, capital_fen, committed_fen, paid_fen, recovered_fen, available_fen FROM loan_funds").fetchall()
for fid, *stands in funds:
    capital, committed, paid, recovered, available = stands
    if capital != committed + paid - recovered + available or min(stands) < 0:
        problems.append(f"fund {fid}: balances {stands} do not balance")
    b, postings = [0] * 5, 0
    for pid, op, amount, *after in c.execute(
            "SELECT id, op, amount_fen, capital_fen, committed_fen, paid_fen, recovered_fen, available_fen "
            "FROM fund_postings WHERE fund_id = ? ORDER BY id", (fid,)):
        postings += 1
        for k, sign in moves.get(op, ()):
            b[k] += sign * amount
        if op not in moves or amount <= 0 or b != after or min(after) < 0:
            problems.append(f"fund {fid} posting {pid} ({op} {amount}): replayed {b}, recorded {after}")
            b = list(after)
    if b != stands:
        problems.append(f"fund {fid}: {postings} postings replay to {b}, the fund stands at {stands}")
for aid, fid, bank, compensated in c.execute("SELECT id, fund_id, bank_id, compensated_fen FROM loan_agreements"):
    owed = c.execute("SELECT COALESCE(SUM(compensation_fen), 0) FROM fund_claims WHERE fund_id = ? AND bank_id = ? "
                     "AND status IN ('approved', 'paid')", (fid, bank)).fetchone()[0]
    if owed != compensated:
        problems.append(f"agreement {aid}: compensated {compensated}, its bank's approved and paid claims {owed}")
for (cid,) in c.execute("SELECT id FROM fund_claims WHERE returned_fen > compensation_fen"):
    problems.append(f"claim {cid} returned more than it was compensated")

for p in problems[:20]:
    err("ledger problem:", p)
fund = funds[0] if funds else (0, 0, 0, 0, 0, 0)
ops = len(r["acks"]) + r["refused"]
err(f"ledger: {len(r['acks'])} operations acknowledged {r['acked_by_op']}, {r['refused']} refused "
    f"{r['refused_by_op']}, {r['errors']} errors {r['errors_by_op']} in {r['elapsed_s']:.1f} s; "
    f"p99 {r['p99']:.1f} ms at the clients, by operation "
    + ", ".join(f"{op} {ms:.1f}" for op, ms in r["p99_by_op"].items()))
for s in r["error_samples"]:
    err("  error:", s)
err(f"after the kill: {sum(lost.values())} acknowledged operations lost {lost}; the fund: capital "
    f"{fund[1] / 1e6:,.2f} 万元, committed {fund[2] / 1e6:,.2f}, paid {fund[3] / 1e6:,.2f}, recovered "
    f"{fund[4] / 1e6:,.2f}, available {fund[5] / 1e6:,.2f}; {len(problems)} ledger problems")
print(ops, len(problems), sum(lost.values()), f"{r['p99']:.1f}")
PY
)
echo "BENCH finance policy_run_s=$policy_run_s enterprises=$enterprises entitled=$entitled reference_match=$reference_match reference_s=$reference_s ledger_ops=$ledger_ops unbalanced=$unbalanced killed_lost=$killed_lost ledger_p99_ms=$ledger_p99"
