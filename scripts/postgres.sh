#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks, on loopback only.
#   scripts/postgres.sh start DIR [PORT]   initdb into DIR, start on PORT (default 54329), print the URL
#   scripts/postgres.sh stop DIR           stop it and remove DIR
#   scripts/postgres.sh halt DIR           stop it at once, keeping its data (a server going down)
#   scripts/postgres.sh resume DIR         start a halted server again on its port
# Installs Debian's postgresql package when no server binaries are found. As root the server runs
# as the `postgres` user. The URL printed is for the superuser `postgres` (trust on loopback).
set -euo pipefail
action=${1:?start or stop}
dir=${2:?a folder for the cluster}
port=${3:-54329}

find_bin() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$found" ]; then
    local as_root=()
    [ "$(id -u)" -eq 0 ] || as_root=(sudo)
    echo "installing postgresql with apt-get" >&2
    "${as_root[@]}" apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    found=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  echo "$found"
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
  start)
    bin=$(find_bin)
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
      chown postgres:postgres "$dir"
      if ! runuser -u postgres -- test -x "$dir"; then
        echo "the postgres user cannot reach $dir: make its parent folders traversable (chmod o+x)" >&2
        exit 1
      fi
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
    # The options go into the cluster's own configuration, so `resume` starts it the same way.
    printf "port = %s\nunix_socket_directories = '%s'\nlisten_addresses = '127.0.0.1'\nfsync = off\nmax_connections = 300\n" \
      "$port" "$dir" >> "$dir/data/postgresql.conf"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  halt)
    bin=$(find_bin)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
  resume)
    bin=$(find_bin)
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 start >/dev/null
    ;;
  stop)
    bin=$(find_bin)
    if [ -d "$dir/data" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: scripts/postgres.sh start|stop|halt|resume DIR [PORT]" >&2
    exit 2
    ;;
esac
