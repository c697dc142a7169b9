#!/usr/bin/env bash
# Starts or stops a Redis server for tests on 127.0.0.1, from Debian's redis-server package.
#
#   scripts/services/redis.sh start   # prints REDIS_URL=redis://127.0.0.1:PORT
#   scripts/services/redis.sh stop
#
# State (pid file, log, working directory) lives in $RUN_DIR/redis; RUN_DIR defaults to .run
# at the repository root. Persistence is off, so every start begins with an empty database.
# When redis-server is missing, start installs it with apt-get (needs root).
set -euo pipefail

SERVICE_NAME=redis
# shellcheck source=scripts/services/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STATE_DIR=$RUN_DIR/redis
PID_FILE=$STATE_DIR/redis.pid
URL_FILE=$STATE_DIR/url
READY_TIMEOUT_SECONDS=${REDIS_START_TIMEOUT:-20}

ensure_installed() {
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    apt_install redis-server
  fi
}

wait_until_ready() {
  local port=$1 deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
  while ((SECONDS < deadline)); do
    if [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]; then
      return 0
    fi
    sleep 0.1
  done
  log "last lines of $STATE_DIR/redis.log:"
  tail -n 20 "$STATE_DIR/redis.log" >&2 || true
  die "redis-server on port $port did not reply to PING within ${READY_TIMEOUT_SECONDS}s"
}

start() {
  local pid port url
  if pid=$(running_pid "$PID_FILE" redis-server) && [[ -s $URL_FILE ]]; then
    url=$(cat "$URL_FILE")
    log "already running as pid $pid at $url"
    publish_url REDIS_URL "$url"
    return 0
  fi

  ensure_installed
  mkdir -p "$STATE_DIR"
  rm -f "$PID_FILE" "$URL_FILE"
  port=$(free_port)
  log "starting $(redis-server --version | cut -d' ' -f1-3) on 127.0.0.1:$port in $STATE_DIR"
  # protected-mode stays on. It only rejects clients that connect from outside loopback.
  redis-server \
    --bind 127.0.0.1 \
    --port "$port" \
    --daemonize yes \
    --pidfile "$PID_FILE" \
    --dir "$STATE_DIR" \
    --logfile "$STATE_DIR/redis.log" \
    --save '' \
    --appendonly no
  wait_until_ready "$port"

  url=redis://127.0.0.1:$port
  printf '%s\n' "$url" >"$URL_FILE"
  log "ready as pid $(cat "$PID_FILE") in $(elapsed_seconds)s"
  publish_url REDIS_URL "$url"
}

stop() {
  stop_by_pid_file "$PID_FILE" redis-server 10
  rm -f "$URL_FILE"
  env_unset REDIS_URL
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
