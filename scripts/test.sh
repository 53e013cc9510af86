#!/usr/bin/env bash
# Runs every test: unit, property, integration and browser tests, first on SQLite, then again on
# a real PostgreSQL server (a throwaway cluster this script starts and removes).
# Installs what the tests need on a fresh Debian machine: PostgreSQL, Chromium and its driver, CJK fonts.
set -euo pipefail
cd "$(dirname "$0")/.."

need_install=0
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_install=1
command -v chromedriver >/dev/null 2>&1 || need_install=1
command -v pdftotext >/dev/null 2>&1 || need_install=1
[ -x /usr/bin/chromium ] || need_install=1
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_install=1
python3 -m venv --help >/dev/null 2>&1 || need_install=1
if [ "$need_install" = 1 ]; then
  echo "== installing test dependencies (postgresql, chromium, chromium-driver, fonts-noto-cjk, poppler-utils)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
    postgresql chromium chromium-driver fonts-noto-cjk poppler-utils python3 python3-venv >/dev/null
fi

# Reuse a build directory outside the checkout when there is one.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/innocity/target}"
mkdir -p "$CARGO_TARGET_DIR"

if cargo nextest --version >/dev/null 2>&1; then
  run_tests() { cargo nextest run --workspace --no-fail-fast --test-threads 2 "$@"; }
else
  run_tests() { cargo test --workspace --no-fail-fast "$@" -- --test-threads 2; }
fi

echo "== formatting and lints (cargo fmt --check, clippy -D warnings)"
cargo fmt --all --check
cargo clippy -q --workspace --all-targets -- -D warnings

echo "== tests on SQLite"
unset INNOCITY_TEST_DATABASE_URL
run_tests
echo "== the qualification contract against an independent reference (Python, exact fractions)"
qualify_bin="$CARGO_TARGET_DIR/debug/innocity"
cargo build -q -p innocity
python3 bench/qualify_compare.py sme --bin "$qualify_bin" --n 20000 --seeds 1 2 --work "$(mktemp -d)"
python3 bench/qualify_compare.py hnte --bin "$qualify_bin" --n 20000 --seeds 1 2 --work "$(mktemp -d)"
python3 bench/qualify_malformed.py --bin "$qualify_bin" --work "$(mktemp -d)" | tail -1
echo "== the API fuzzed from its OpenAPI document (schemathesis, SQLite)"
bash scripts/schemathesis.sh

echo "== tests on PostgreSQL"
eval "$(scripts/pg-throwaway.sh start)"
trap 'scripts/pg-throwaway.sh stop "$PGTMP"' EXIT
run_tests
echo "== the API fuzzed from its OpenAPI document (schemathesis, PostgreSQL)"
psql -q "$INNOCITY_TEST_DATABASE_URL" -c "CREATE DATABASE schemathesis" >/dev/null
bash scripts/schemathesis.sh "${INNOCITY_TEST_DATABASE_URL%/*}/schemathesis"
