#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster in a temp folder on a free local port and prints its
# URL. Usage: eval "$(scripts/pg-throwaway.sh start)"; ...; scripts/pg-throwaway.sh stop "$PGTMP"
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
case "${1:-start}" in
  start)
    dir=$(mktemp -d /tmp/innocity-pg.XXXXXX)
    chown -R nobody "$dir" 2>/dev/null || true
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    run() { if [ "$(id -u)" = 0 ]; then su -s /bin/sh nobody -c "$*"; else sh -c "$*"; fi; }
    user=$( [ "$(id -u)" = 0 ] && echo nobody || id -un )
    run "$bindir/initdb -D $dir/data -U $user --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
    run "$bindir/pg_ctl -D $dir/data -l $dir/log -o '-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400' -w start" >/dev/null
    echo "export PGTMP=$dir"
    echo "export INNOCITY_TEST_DATABASE_URL=postgres://$user@127.0.0.1:$port/postgres"
    ;;
  stop)
    dir=$2
    if [ "$(id -u)" = 0 ]; then su -s /bin/sh nobody -c "$bindir/pg_ctl -D $dir/data -m immediate stop" >/dev/null || true
    else "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null || true; fi
    rm -rf "$dir"
    ;;
esac
