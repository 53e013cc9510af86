#!/usr/bin/env bash
# Submission benchmark, release build on SQLite: N applicants (default 2,000) each upload a 2 MB PDF
# to their draft and submit it, 64 at a time, through the real server (API tokens); then every
# acknowledged submission is checked in the database and on disk (submitted once, one attachment,
# SHA-256 intact). A second run kills the server with SIGKILL halfway and restarts it (clients retry
# what failed): no acknowledged submission may be lost. Last, the bureau's board over 100,000
# applications at 16 connections for 10 s.
# The last line: BENCH submit n=… acknowledged=… stored=… lost=… errors=… elapsed_s=… killed_lost=… board_p99_ms=…
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/innocity/target}"
cargo build --release -p innocity >&2
BIN="$CARGO_TARGET_DIR/release/innocity"
N="${BENCH_APPLICANTS:-2000}"
ROWS="${BENCH_BOARD_ROWS:-100000}"
CONC="${BENCH_CONCURRENCY:-64}"
work=$(mktemp -d /tmp/innocity-submit-bench.XXXXXX)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start_server() { # db files port
  INNOCITY_FILES_DIR="$2" INNOCITY_LOG=warn "$BIN" serve --listen "127.0.0.1:$3" --database "$1" >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$3/healthz" >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "server did not start" >&2; cat "$work/server.log" >&2; exit 1
}

verify() { # db files acks.json -> prints "acknowledged stored lost errors elapsed"
  python3 - "$1" "$2" "$3" <<'PY'
import hashlib, json, os, sqlite3, sys
db, files, acks = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
c = sqlite3.connect(db)
stored = 0
for a in acks["acks"]:
    stage = c.execute("SELECT stage FROM applications WHERE id = ?", (a["application"],)).fetchone()
    rows = c.execute("SELECT sha256 FROM attachments WHERE application_id = ?", (a["application"],)).fetchall()
    events = c.execute("SELECT COUNT(*) FROM application_events WHERE application_id = ? AND action = 'submit'", (a["application"],)).fetchone()[0]
    ok = stage and stage[0] == "submitted" and len(rows) == 1 and rows[0][0] == a["sha256"] and events == 1
    if ok:
        path = os.path.join(files, a["sha256"][:2], a["sha256"])
        ok = os.path.exists(path) and hashlib.sha256(open(path, "rb").read()).hexdigest() == a["sha256"]
    stored += ok
print(len(acks["acks"]), stored, len(acks["acks"]) - stored, acks["errors"], f"{acks['elapsed']:.2f}")
PY
}

port=$((20000 + RANDOM % 20000))
# Phase 1: all submissions, then the board.
"$BIN" bench-seed --applicants "$N" --applications "$ROWS" --out "$work/one.json" --database "sqlite://$work/one.db" >&2
start_server "sqlite://$work/one.db" "$work/one-files" "$port"
python3 bench/submit_client.py submit "$work/one.json" "http://127.0.0.1:$port" "$CONC" "$work/one-acks.json"
read -r acknowledged stored lost errors elapsed < <(verify "$work/one.db" "$work/one-files" "$work/one-acks.json")
echo "submissions: $N sent, $acknowledged acknowledged, $stored stored intact, $lost lost, $errors server errors, ${elapsed} s" >&2
read -r board_n board_p50 board_p99 < <(python3 bench/submit_client.py board "$work/one.json" "http://127.0.0.1:$port" 16 10)
echo "board: $board_n requests at 16 connections over $ROWS applications, p50 ${board_p50} ms, p99 ${board_p99} ms" >&2
kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""

# Phase 2: the same, with the server killed halfway and restarted.
port=$((port + 1))
"$BIN" bench-seed --applicants "$N" --applications 0 --out "$work/two.json" --database "sqlite://$work/two.db" >&2
start_server "sqlite://$work/two.db" "$work/two-files" "$port"
python3 bench/submit_client.py submit "$work/two.json" "http://127.0.0.1:$port" "$CONC" "$work/two-acks.json" &
client=$!
sleep "$(python3 -c "print(max(1.0, $elapsed / 2))")"
kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true
echo "killed the server with SIGKILL; restarting" >&2
start_server "sqlite://$work/two.db" "$work/two-files" "$port"
wait "$client"
read -r k_ack k_stored k_lost k_errors k_elapsed < <(verify "$work/two.db" "$work/two-files" "$work/two-acks.json")
echo "with a kill: $k_ack acknowledged, $k_stored stored intact, $k_lost lost, $k_errors server errors, ${k_elapsed} s" >&2
echo "BENCH submit n=$N acknowledged=$acknowledged stored=$stored lost=$lost errors=$errors elapsed_s=$elapsed killed_lost=$k_lost board_p99_ms=$board_p99"
