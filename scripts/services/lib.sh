# shellcheck shell=bash
# Shared helpers for the service launchers in this folder. Source this file and set
# SERVICE_NAME first. It is not a command of its own.
#
# Every launcher keeps its state in $RUN_DIR/<service> (RUN_DIR defaults to .run at the
# repository root) and records its URL as KEY=value in $RUN_DIR/env, which a shell can
# load with `set -a; . .run/env; set +a`.

SERVICES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SERVICES_DIR/../.." && pwd)
RUN_DIR=${RUN_DIR:-$REPO_ROOT/.run}
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)
ENV_FILE=$RUN_DIR/env
STARTED_AT_MS=$(date +%s%3N)

# Writes a message to stderr, so stdout carries only KEY=value lines.
log() {
  printf '[%s] %s\n' "$SERVICE_NAME" "$*" >&2
}

die() {
  log "error: $*"
  exit 1
}

# Prints the seconds since the script started, with one decimal.
elapsed_seconds() {
  local now_ms
  now_ms=$(date +%s%3N)
  printf '%d.%d' $(((now_ms - STARTED_AT_MS) / 1000)) $(((now_ms - STARTED_AT_MS) % 1000 / 100))
}

# Prints a TCP port that was free on 127.0.0.1 a moment ago. Another process may take it
# before the service binds it. The launcher then fails to start and can be run again.
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c '
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])'
  elif command -v node >/dev/null 2>&1; then
    node -e '
      const server = require("net").createServer();
      server.listen(0, "127.0.0.1", () => {
        console.log(server.address().port);
        server.close();
      });'
  else
    die "neither python3 nor node is installed, so no free port can be picked; install one of them"
  fi
}

# Succeeds when PID is a live process. A zombie counts as gone, because it has already exited
# and only waits for a parent that may never reap it.
process_alive() {
  local pid=$1 state
  kill -0 "$pid" 2>/dev/null || return 1
  state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $state != Z ]]
}

# Prints the pid stored in PID_FILE when that process is alive and its command line contains
# PATTERN, so a pid reused by an unrelated process is never taken for the service.
running_pid() {
  local pid_file=$1 pattern=$2 pid
  [[ -s $pid_file ]] || return 1
  pid=$(tr -d '[:space:]' <"$pid_file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  process_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pattern" || return 1
  printf '%s\n' "$pid"
}

# Sets KEY=VALUE in $ENV_FILE, replacing an earlier line for KEY. A lock keeps launchers that
# run in parallel (all.sh) from overwriting each other's lines.
env_set() {
  local key=$1 value=$2
  (
    flock 9
    touch "$ENV_FILE"
    grep -v "^$key=" "$ENV_FILE" >"$ENV_FILE.tmp" || true
    printf '%s=%s\n' "$key" "$value" >>"$ENV_FILE.tmp"
    mv "$ENV_FILE.tmp" "$ENV_FILE"
  ) 9>"$ENV_FILE.lock"
}

# Removes the line for KEY from $ENV_FILE.
env_unset() {
  local key=$1
  [[ -f $ENV_FILE ]] || return 0
  (
    flock 9
    grep -v "^$key=" "$ENV_FILE" >"$ENV_FILE.tmp" || true
    mv "$ENV_FILE.tmp" "$ENV_FILE"
  ) 9>"$ENV_FILE.lock"
}

# Prints KEY=VALUE on stdout and records it in $ENV_FILE.
publish_url() {
  local key=$1 value=$2
  env_set "$key" "$value"
  printf '%s=%s\n' "$key" "$value"
}

# Stops the process named in PID_FILE with SIGTERM, then SIGKILL after TIMEOUT seconds, and
# removes the pid file. Only that pid is signalled, and only if its command line matches.
stop_by_pid_file() {
  local pid_file=$1 pattern=$2 timeout=${3:-30} pid waited=0 begin_ms
  if ! pid=$(running_pid "$pid_file" "$pattern"); then
    log "not running (no live process in $pid_file)"
    rm -f "$pid_file"
    return 0
  fi

  log "stopping pid $pid"
  begin_ms=$(date +%s%3N)
  kill -TERM "$pid" 2>/dev/null || true
  while process_alive "$pid" && ((waited < timeout * 10)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if process_alive "$pid"; then
    log "pid $pid still alive after ${timeout}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi

  rm -f "$pid_file"
  log "stopped pid $pid in $(($(date +%s%3N) - begin_ms)) ms"
}

# Installs Debian packages without prompts, refreshing the package lists when the first
# attempt fails (on a fresh machine they may be missing or stale).
apt_install() {
  [[ $(id -u) -eq 0 ]] || die "$* missing and installing needs root; run: sudo apt-get install $*"
  log "installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "$@" >&2; then
    log "apt-get install failed; running apt-get update and trying again"
    apt-get update -q >&2
    apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "$@" >&2
  fi
}

usage() {
  printf 'usage: %s start|stop\n' "$0" >&2
  exit 2
}
