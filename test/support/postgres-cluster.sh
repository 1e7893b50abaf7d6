#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a free loopback port, for the store's tests
# and for a developer's desk. Password login only (scram), loopback only.
#
#   eval "$(test/support/postgres-cluster.sh start)"   # exports HEARTH_TEST_PG_URL and HEARTH_TEST_PG_DIR
#   test/support/postgres-cluster.sh stop "$HEARTH_TEST_PG_DIR"
#   test/support/postgres-cluster.sh restart "$HEARTH_TEST_PG_DIR"   # a fast stop and a start, same port
#
# PostgreSQL refuses to run as root: as root the cluster belongs to the user
# "postgres" (Debian's package makes it), and every command runs as that user.
set -euo pipefail

bin_dir() {
  if command -v initdb >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v initdb)")"; return; fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$found" ]; then echo "postgres-cluster: no PostgreSQL (initdb) on this machine: apt-get install postgresql" >&2; exit 1; fi
  echo "$found"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  node -e 'const s = require("node:net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

start() {
  local bin dir port password
  bin=$(bin_dir)
  dir=$(mktemp -d /tmp/hearth-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  chmod 700 "$dir"
  port=$(free_port)
  password=$(node -e 'console.log(require("node:crypto").randomBytes(12).toString("hex"))')
  printf '%s\n' "$password" > "$dir/pwfile"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir/pwfile"
  as_owner "$bin/initdb" -D "$dir/data" -U hearth --pwfile="$dir/pwfile" --auth=scram-sha-256 -E UTF8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pwfile"
  cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = on
max_connections = 200
CONF
  # The port was free when asked, but another process (another throwaway cluster) may take it before
  # the server binds it: then again on another port, a few times.
  local tries=0
  while :; do
    echo "port = $port" >> "$dir/data/postgresql.conf"
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null 2>&1; then break; fi
    tries=$((tries + 1))
    if [ "$tries" -ge 5 ] || ! grep -q "Address already in use" "$dir/server.log"; then
      cat "$dir/server.log" >&2
      as_owner rm -rf "$dir/data"; rm -rf "$dir"
      exit 1
    fi
    port=$(free_port)
  done
  echo "export HEARTH_TEST_PG_URL=postgres://hearth:$password@127.0.0.1:$port/postgres"
  echo "export HEARTH_TEST_PG_DIR=$dir"
}

stop() {
  local dir=$1
  [ -d "$dir/data" ] || return 0
  as_owner "$(bin_dir)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

restart() {
  local dir=$1
  as_owner "$(bin_dir)/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 30 restart >/dev/null
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:?the cluster directory}" ;;
  restart) restart "${2:?the cluster directory}" ;;
  *) echo "usage: $0 start | stop DIR | restart DIR" >&2; exit 2 ;;
esac
