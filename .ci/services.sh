#!/usr/bin/env bash
# Make sure the real services the test suite needs are up: start what is installed but stopped,
# fail with a clear message for what is missing. Never a silent skip.
set -euo pipefail

fail() { echo "make test: $*" >&2; exit 1; }

# PostgreSQL
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
    echo "Starting PostgreSQL..."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  fi
  pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null \
    || fail "PostgreSQL is not running on 127.0.0.1:5432 and could not be started. Install it (apt-get install -y postgresql) or set TEST_DATABASE_URL."
fi
psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname='repair'" | grep -q 1 \
  || createdb -h 127.0.0.1 -U postgres repair

# Redis
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null; then
    echo "Starting Redis..."
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.3; done
  fi
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 \
    || fail "Redis is not running on 127.0.0.1:6379 and could not be started. Install it (apt-get install -y redis-server)."
fi

# Chromium for the browser tests (Debian's build; Playwright never downloads its own).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium for the browser tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  [ -x /usr/bin/chromium ] || fail "Chromium is missing: apt-get install -y chromium"
fi
# Java for the Nu Html Checker (vnu.jar, which make test fetches from npm; see docs/dependencies.md).
if ! command -v java >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's Java runtime for the Nu Html Checker..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null
  fi
  command -v java >/dev/null || fail "Java is missing (the Nu Html Checker needs it): apt-get install -y default-jre-headless"
fi
echo "Services ready: PostgreSQL, Redis, Chromium, Java."
