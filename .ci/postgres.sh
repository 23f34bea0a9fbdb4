#!/usr/bin/env bash
# Throwaway PostgreSQL cluster on 127.0.0.1 for the registry tests.
#
#   eval "$(bash .ci/postgres.sh start)"   # prints: export KNOTWORK_TEST_POSTGRES_URL=...
#   bash .ci/postgres.sh stop
#
# Installs Debian's postgresql only when initdb/pg_ctl are missing. The cluster lives in
# a temp dir owned by the `postgres` user (initdb refuses root), listens on a free port on
# 127.0.0.1 only, trusts local connections, and is deleted by `stop`. The URL is also
# written to $STATE/url and .ci/.postgres-url so tests started from another shell find it.
set -euo pipefail

STATE=${KNOTWORK_PG_STATE:-/tmp/knotwork-postgres}
# Also left beside this script, where .ci/run reads it.
URL_COPY="$(cd "$(dirname "$0")" && pwd)/.postgres-url"
DB=${KNOTWORK_PG_DB:-knotwork_test}

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
    local bin
    if bin=$(command -v pg_ctl 2>/dev/null) && [ -x "$(dirname "$(readlink -f "$bin")")/initdb" ]; then
        dirname "$(readlink -f "$bin")"
        return 0
    fi
    # Debian keeps the server binaries off PATH, one folder per major version.
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | while read -r d; do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && echo "$d"
    done | tail -n 1
}

ensure_installed() {
    local dir
    dir=$(find_bindir || true)
    if [ -z "$dir" ]; then
        log "initdb/pg_ctl not found: installing Debian's postgresql"
        if [ "$(id -u)" -ne 0 ]; then log "need root to apt-get install postgresql"; exit 1; fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq --no-install-recommends postgresql >&2
        dir=$(find_bindir || true)
        [ -n "$dir" ] || { log "postgresql installed but initdb/pg_ctl still missing"; exit 1; }
    fi
    echo "$dir"
}

# Run a command as the postgres user when we are root (initdb refuses root), else as us.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir "$STATE" --shell /bin/sh postgres
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

stop() {
    if [ -f "$STATE/bindir" ] && [ -d "$STATE/data" ]; then
        local bindir
        bindir=$(cat "$STATE/bindir")
        as_pg "$bindir/pg_ctl" -D "$STATE/data" -m immediate -w stop >&2 2>&1 || true
    fi
    rm -rf "$STATE"
    rm -f "$URL_COPY"
}

start() {
    local bindir port
    bindir=$(ensure_installed)
    stop
    mkdir -p "$STATE/data" "$STATE/sock"
    echo "$bindir" >"$STATE/bindir"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir "$STATE" --shell /bin/sh postgres
        chown -R postgres: "$STATE"
    fi
    chmod 700 "$STATE/data"
    as_pg "$bindir/initdb" -D "$STATE/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$STATE/initdb.log" 2>&1 \
        || { cat "$STATE/initdb.log" >&2; exit 1; }
    port=$(free_port)
    as_pg "$bindir/pg_ctl" -D "$STATE/data" -l "$STATE/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $STATE/sock -c fsync=off" start >&2 \
        || { cat "$STATE/server.log" >&2; exit 1; }
    as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DB"
    local url="postgresql+psycopg://postgres@127.0.0.1:$port/$DB"
    echo "$url" >"$STATE/url"
    chmod 644 "$STATE/url"
    echo "$url" >"$URL_COPY"
    log "PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port (data in $STATE/data)"
    echo "export KNOTWORK_TEST_POSTGRES_URL=$url"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) cat "$STATE/url" ;;
    *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
