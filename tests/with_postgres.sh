#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server on a free loopback port.
# Exports AMITY_TEST_POSTGRES (an admin URL) for the command; stops and removes the server after.
# If AMITY_TEST_POSTGRES is already set, or PostgreSQL is not installed (and not required),
# the command runs as it is.
set -euo pipefail

if [ -n "${AMITY_TEST_POSTGRES:-}" ]; then exec "$@"; fi

pg_bin=""
for dir in $(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/x)") /usr/lib/postgresql/*/bin; do
  if [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ]; then pg_bin="$dir"; break; fi
done
if [ -z "$pg_bin" ]; then
  if [ "${AMITY_TEST_REQUIRE_POSTGRES:-}" = "1" ]; then
    echo "with_postgres: PostgreSQL is required but pg_ctl/initdb were not found" >&2; exit 1
  fi
  echo "with_postgres: PostgreSQL not installed; its tests will be skipped" >&2
  exec "$@"
fi

tmp=$(mktemp -d /tmp/amity-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
as_pg=()
if [ "$(id -u)" = "0" ]; then
  chown postgres "$tmp"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"${as_pg[@]}" "$pg_bin/initdb" -D "$tmp/data" -U postgres -A trust -E UTF8 --no-locale >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log" >&2; exit 1; }
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$tmp/data" -w -l "$tmp/server.log" \
  -o "-h 127.0.0.1 -p $port -k $tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$tmp/server.log" >&2; exit 1; }

export AMITY_TEST_POSTGRES="postgresql://postgres@127.0.0.1:$port/postgres"
echo "with_postgres: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
set +e
"$@"
status=$?
exit $status
