#!/usr/bin/env bash
# Finance benchmark, release build on SQLite, through the real server and its API: a policy (R&D
# post-subsidy on growth) run for 2025 over a demo of 20,000 organisations whose every
# enterprise has approved 107-2 returns for 2024 and 2025 — list, amounts and rule traces
# stored — three times, each list returned by a second officer so the next may run; the list is
# checked line by line against the same rule computed straight from the database in Python (the
# peer, timed too). The risk-compensation fund's ledger (100,000 operations from 32 clients with
# a kill -9) is not built yet: its keys are reported as not_built.
# The last line: BENCH finance policy_run_s=… enterprises=… entitled=… reference_match=… reference_s=… ledger_ops=…
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/innocity/target}"
cargo build --release -p innocity >&2
BIN="$CARGO_TARGET_DIR/release/innocity"
ORGS="${BENCH_ORGANISATIONS:-20000}"
work=$(mktemp -d /tmp/innocity-finance-bench.XXXXXX)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

t0=$(date +%s)
"$BIN" bench-seed-finance --organisations "$ORGS" --out "$work/seed.json" --database "sqlite://$work/bench.db" >&2
echo "seeded $ORGS organisations in $(( $(date +%s) - t0 )) s" >&2
port=$((20000 + RANDOM % 20000))
INNOCITY_FILES_DIR="$work/files" INNOCITY_LOG=warn "$BIN" serve --listen "127.0.0.1:$port" --database "sqlite://$work/bench.db" >>"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 400); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
result=$(python3 bench/finance_client.py "http://127.0.0.1:$port" "$work/seed.json" "$work/bench.db")
echo "$result" >&2
python3 - "$result" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
slowest = max(r["run_s"])
print(f"policy runs: {', '.join(f'{t:.2f}' for t in r['run_s'])} s over {r['assessed']} enterprises, "
      f"{r['entitled']} entitled, {r['total_fen'] / 1e6:,.2f} 万元; the peer (Python straight from SQLite) "
      f"{r['reference_s']:.2f} s, {r['differ']} lines differ", file=sys.stderr)
print(f"BENCH finance policy_run_s={slowest:.2f} enterprises={r['assessed']} entitled={r['entitled']} "
      f"reference_match={r['match']} reference_s={r['reference_s']:.2f} ledger_ops=not_built")
PY
