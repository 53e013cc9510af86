#!/usr/bin/env bash
# Web benchmark: a release build on demo data (20,000 organisations, 1,000,000 audit entries),
# measured with wrk at 32 connections against the public home page, the signed-in organisation
# list (page 1, filtered by zone), the public call list (the portal), the site-wide search (a
# round of twenty Chinese queries, bench/search_queries.lua) and a bare static route of the same
# server, in one run.
# Also times `innocity audit verify` over the 1,000,000 entries.
# The last line is: BENCH web home_rps=… list_rps=… static_rps=… list_p99_ms=… list_ratio=… portal_ratio=… search_rps=… search_p99_ms=… audit_verify_s=…
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${BENCH_DURATION:-15s}"
CONNS="${BENCH_CONNECTIONS:-32}"
ORGS="${BENCH_ORGS:-20000}"
AUDIT="${BENCH_AUDIT_ENTRIES:-1000000}"

command -v wrk >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/innocity/target}"
cargo build --release -p innocity >&2
BIN="$CARGO_TARGET_DIR/release/innocity"

work=$(mktemp -d /tmp/innocity-bench.XXXXXX)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
# The audit key and checkpoints of this run only (not those of a checkout's ./data).
export INNOCITY_AUDIT_KEY_FILE="$work/audit.key" INNOCITY_AUDIT_CHECKPOINTS="$work/checkpoints.log"
DB="sqlite://$work/bench.db"
echo "== demo data: $ORGS organisations, $AUDIT synthetic audit entries" >&2
"$BIN" demo --no-serve --no-stats --organisations "$ORGS" --audit-entries "$AUDIT" --database "$DB" >&2

# The portal's search needs something to find: the 2,000 CSL papers as one university's listed
# achievements (the demo's statistics and the rest are left out to keep the run short).
owner=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT credit_code FROM organisations WHERE kind = 'university' ORDER BY id LIMIT 1\").fetchone()[0])" "$work/bench.db")
"$BIN" market import --input crates/demo/data/csl_papers.tsv --owner "$owner" --database "$DB" >&2

echo "== audit verify" >&2
start=$(date +%s.%N)
"$BIN" audit verify --database "$DB" >&2
end=$(date +%s.%N)
audit_s=$(python3 -c "print(f'{$end - $start:.2f}')")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
INNOCITY_LOG=warn "$BIN" serve --database "$DB" --listen "127.0.0.1:$port" >/dev/null &
server=$!
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

# Sign in as bureau staff and find 兰州高新区's id.
jar="$work/cookies"
csrf=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="_csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null -d "_csrf=$csrf&username=bureau&password=lanbai2026" "$base/login"
cookie=$(awk '$6 ~ /innocity_session/ {print $6"="$7}' "$jar")
zone=$(curl -s -H "Cookie: $cookie" "$base/api/v1/org-units" | python3 -c 'import json,sys; print([u["id"] for u in json.load(sys.stdin) if u["code"]=="LZGX"][0])')
list_url="$base/orgs?unit=$zone"
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$list_url")
[ "$status" = 200 ] || { echo "organisation list answered $status" >&2; exit 1; }
total=$(curl -s -H "Cookie: $cookie" "$list_url" | sed -n 's/.*id="org-total">\([^<]*\)<.*/\1/p')
echo "== list: $list_url ($total)" >&2

measure() { # name url [cookie] [lua script]
  local out
  local args=(-t2 -c"$CONNS" -d"$DURATION" --latency)
  [ -n "${3:-}" ] && args+=(-H "Cookie: $3")
  [ -n "${4:-}" ] && args+=(-s "$4")
  out=$(wrk "${args[@]}" "$2")
  echo "$out" >&2
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  echo "$rps $p50 $p99"
}
to_ms() { python3 -c "
v='$1'
for unit, f in (('us', 0.001), ('ms', 1), ('s', 1000)):
    if v.endswith(unit) and (unit != 's' or not v.endswith('ms') and not v.endswith('us')):
        print(f'{float(v[:-len(unit)]) * f:.2f}'); break
"; }

echo "== static route" >&2;  read -r static_rps static_p50 static_p99 < <(measure static "$base/ping")
echo "== home page" >&2;     read -r home_rps home_p50 home_p99 < <(measure home "$base/")
echo "== organisation list" >&2; read -r list_rps list_p50 list_p99 < <(measure list "$list_url" "$cookie")
status=$(curl -s -o /dev/null -w '%{http_code}' "$base/public/calls")
[ "$status" = 200 ] || { echo "public call list answered $status" >&2; exit 1; }
echo "== public call list" >&2; read -r portal_rps portal_p50 portal_p99 < <(measure portal "$base/public/calls")
hits=$(curl -s "$base/api/v1/search?q=%E6%8A%80%E6%9C%AF" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
[ "$hits" -gt 100 ] || { echo "the search found only $hits for 技术" >&2; exit 1; }
echo "== site search (技术: $hits results; twenty queries in turn)" >&2
read -r search_rps search_p50 search_p99 < <(measure search "$base/search" "" bench/search_queries.lua)

list_p99_ms=$(to_ms "$list_p99")
list_ratio=$(python3 -c "print(f'{$list_rps / $static_rps:.3f}')")
home_ratio=$(python3 -c "print(f'{$home_rps / $static_rps:.3f}')")
portal_ratio=$(python3 -c "print(f'{$portal_rps / $static_rps:.3f}')")
search_p99_ms=$(to_ms "$search_p99")
echo "" >&2
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; wrk -t2 -c$CONNS -d$DURATION" >&2
printf '%-22s %10s %10s %10s %8s\n' route rps p50 p99 ratio >&2
printf '%-22s %10s %10s %10s %8s\n' "static /ping" "$static_rps" "$static_p50" "$static_p99" "1.000" >&2
printf '%-22s %10s %10s %10s %8s\n' "home /" "$home_rps" "$home_p50" "$home_p99" "$home_ratio" >&2
printf '%-22s %10s %10s %10s %8s\n' "orgs list (zone)" "$list_rps" "$list_p50" "$list_p99" "$list_ratio" >&2
printf '%-22s %10s %10s %10s %8s\n' "public calls" "$portal_rps" "$portal_p50" "$portal_p99" "$portal_ratio" >&2
printf '%-22s %10s %10s %10s %8s\n' "site search" "$search_rps" "$search_p50" "$search_p99" "" >&2
echo "audit verify over $AUDIT entries: ${audit_s}s" >&2
echo "BENCH web home_rps=$home_rps list_rps=$list_rps static_rps=$static_rps list_p99_ms=$list_p99_ms list_ratio=$list_ratio portal_ratio=$portal_ratio search_rps=$search_rps search_p99_ms=$search_p99_ms audit_verify_s=$audit_s"
