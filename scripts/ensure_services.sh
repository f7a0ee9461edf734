#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on this machine; start them the documented way when they are down.
# Fails loudly (exit 1) when a service cannot be started: tests that need a server must not be skipped.
set -uo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do
    port_open "$port" && return 0
    sleep 0.5
  done
  echo "ERROR: $name did not come up on 127.0.0.1:$port" >&2
  return 1
}

if ! port_open 5432; then
  echo "PostgreSQL is down; starting it" >&2
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  wait_port 5432 PostgreSQL || exit 1
fi

if ! port_open 6379; then
  echo "Redis is down; starting it" >&2
  if command -v redis-server >/dev/null 2>&1; then
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
  wait_port 6379 Redis || exit 1
fi

# The test database must exist for the integration suite.
if command -v psql >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -tAc "SELECT 1" postgres >/dev/null 2>&1 || {
    echo "ERROR: PostgreSQL answers but user postgres cannot connect (trust auth expected)" >&2
    exit 1
  }
fi
echo "services: PostgreSQL and Redis are up"
