#!/usr/bin/env bash
# A private PostgreSQL server for the tests: its own data directory, a unix
# socket there, TCP on 127.0.0.1:PORT (or on LISTEN, a comma-separated list
# of addresses, admitting clients from CLIENTS, a CIDR, too); password
# authentication over TCP.
#   tools/postgres.sh start DIR PORT [LISTEN CLIENTS]   (prints nothing;
#                                                        fails with the log)
#   tools/postgres.sh stop DIR
# Runs the server as the `postgres` system user when started as root.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_server_user() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$1" in
  start)
    dir=$2 port=$3 listen=${4:-127.0.0.1} clients=${5:-}
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    chmod 0700 "$dir"
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
      as_server_user "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if [[ -n "$clients" ]] && ! grep -q "^host all all $clients " "$dir/data/pg_hba.conf"; then
      echo "host all all $clients scram-sha-256" >> "$dir/data/pg_hba.conf"
    fi
    as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=$listen" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    ;;
  stop)
    as_server_user "$bin/pg_ctl" -D "$2/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
