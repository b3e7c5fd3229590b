#!/usr/bin/env bash
# A throwaway PostgreSQL on a loopback port, for the example tests.
#
#   bash scripts/examples/pg.sh start DIR   # prints the postgres:// URL on stdout
#   bash scripts/examples/pg.sh stop DIR
#
# Installs Debian's postgresql package when no initdb is found. The cluster
# lives in DIR (created), listens on 127.0.0.1 only, trusts local
# connections, and is removed by `stop`. As root, the server runs as the
# `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

find_bin() {
    local name=$1 found
    if found=$(command -v "$name" 2>/dev/null); then echo "$found"; return 0; fi
    found=$(ls -1d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$found" ] && echo "$found"
}

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
    if ! find_bin initdb >/dev/null; then
        echo "pg.sh: installing postgresql (Debian package)" >&2
        if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
        $SUDO apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
    fi
    initdb=$(find_bin initdb); pg_ctl=$(find_bin pg_ctl)
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$dir"
        # the postgres user must be able to reach DIR (mktemp -d makes 0700 dirs)
        chmod o+x "$(dirname "$(realpath "$dir")")"
    fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg "$initdb" -D "$dir/data" -U setpoll -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    as_pg "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >&2 \
        || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    echo "postgres://setpoll@127.0.0.1:$port/postgres"
    ;;
stop)
    [ -d "$dir/data" ] || exit 0
    pg_ctl=$(find_bin pg_ctl)
    as_pg "$pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
