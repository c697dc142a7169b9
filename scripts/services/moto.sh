#!/usr/bin/env bash
# Starts or stops a moto server (AWS API emulator, from PyPI) for tests on 127.0.0.1.
#
#   scripts/services/moto.sh start   # prints MOTO_URL=http://127.0.0.1:PORT
#   scripts/services/moto.sh stop
#
# moto[server] is installed with pip into its own virtual environment, outside the work tree so
# that fresh clones on the same machine reuse it. The pid file and log live in $RUN_DIR/moto
# (RUN_DIR defaults to .run). moto keeps all state in memory, so every start begins empty.
#
# Environment:
#   MOTO_VENV  virtual environment to use or create
#              (default ~/.cache/happy-os/moto-<version>)
set -euo pipefail

SERVICE_NAME=moto
# shellcheck source=scripts/services/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MOTO_VERSION=5.2.5
VENV_DIR=${MOTO_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/happy-os/moto-$MOTO_VERSION}
STATE_DIR=$RUN_DIR/moto
PID_FILE=$STATE_DIR/moto.pid
URL_FILE=$STATE_DIR/url
LOG_FILE=$STATE_DIR/moto.log
READY_TIMEOUT_SECONDS=${MOTO_START_TIMEOUT:-30}

installed_version() {
  "$VENV_DIR/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null
}

ensure_installed() {
  if [[ -x $VENV_DIR/bin/moto_server && $(installed_version) == "$MOTO_VERSION" ]]; then
    return 0
  fi

  # Debian's own python3 ships venv without ensurepip, which the python3-venv package adds.
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt_install python3 python3-venv
  fi
  log "installing moto[server]==$MOTO_VERSION into $VENV_DIR"
  if ! python3 -m venv "$VENV_DIR" >&2; then
    die "failed to create a virtual environment in $VENV_DIR; set MOTO_VENV to a writable path"
  fi
  "$VENV_DIR/bin/python" -m pip install -q --disable-pip-version-check \
    "moto[server]==$MOTO_VERSION" >&2
  log "installed moto $(installed_version) in $(elapsed_seconds)s"
}

wait_until_ready() {
  local url=$1 pid=$2 deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
  while ((SECONDS < deadline)); do
    if ! process_alive "$pid"; then
      tail -n 20 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      die "moto_server (pid $pid) exited during start; its log is $LOG_FILE"
    fi
    # The dashboard of moto's management API; moto-api/data.json would be a poor probe because
    # it fails with HTTP 500 once a Lambda function exists and no Docker daemon runs.
    if curl -fsS --max-time 2 -o /dev/null "$url/moto-api/" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  tail -n 20 "$LOG_FILE" >&2 || true
  stop_by_pid_file "$PID_FILE" moto_server 10
  die "moto_server at $url did not respond within ${READY_TIMEOUT_SECONDS}s; its log is $LOG_FILE"
}

start() {
  local pid port url
  if pid=$(running_pid "$PID_FILE" moto_server) && [[ -s $URL_FILE ]]; then
    url=$(cat "$URL_FILE")
    log "already running as pid $pid at $url"
    publish_url MOTO_URL "$url"
    return 0
  fi

  ensure_installed
  mkdir -p "$STATE_DIR"
  rm -f "$PID_FILE" "$URL_FILE"
  port=$(free_port)
  url=http://127.0.0.1:$port
  log "starting moto_server $MOTO_VERSION on $url"
  nohup "$VENV_DIR/bin/moto_server" -H 127.0.0.1 -p "$port" >"$LOG_FILE" 2>&1 </dev/null &
  printf '%s\n' "$!" >"$PID_FILE"
  wait_until_ready "$url" "$(cat "$PID_FILE")"

  printf '%s\n' "$url" >"$URL_FILE"
  printf '%s\n' "$VENV_DIR/bin/python" >"$STATE_DIR/python"
  log "ready as pid $(cat "$PID_FILE") in $(elapsed_seconds)s"
  publish_url MOTO_URL "$url"
}

stop() {
  stop_by_pid_file "$PID_FILE" moto_server 10
  rm -f "$URL_FILE" "$STATE_DIR/python"
  env_unset MOTO_URL
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
