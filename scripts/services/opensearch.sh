#!/usr/bin/env bash
# Starts or stops a single-node OpenSearch 2.19 for tests on 127.0.0.1.
#
#   scripts/services/opensearch.sh start   # prints OPENSEARCH_URL=http://127.0.0.1:PORT
#   scripts/services/opensearch.sh stop
#
# The node runs in one JVM from the Maven project in scripts/opensearch: the OpenSearch server
# jar plus the transport-netty4-client and analysis-common plugins, all from Maven Central.
# No security plugin is loaded, so the REST API is plain HTTP without authentication.
# Data, logs and the pid file live in $RUN_DIR/opensearch (RUN_DIR defaults to .run) and are
# kept across restarts.
#
# Environment:
#   OPENSEARCH_HEAP           JVM heap, -Xms and -Xmx (default 512m)
#   OPENSEARCH_START_TIMEOUT  seconds to wait for yellow or green health (default 120)
set -euo pipefail

SERVICE_NAME=opensearch
# shellcheck source=scripts/services/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROJECT_DIR=$REPO_ROOT/scripts/opensearch
MAIN_CLASS=dev.happyos.opensearch.TestNode
CLASSPATH_FILE=$PROJECT_DIR/target/classpath.txt
STATE_DIR=$RUN_DIR/opensearch
PID_FILE=$STATE_DIR/opensearch.pid
URL_FILE=$STATE_DIR/url
LOG_FILE=$STATE_DIR/opensearch.log
HEAP=${OPENSEARCH_HEAP:-512m}
START_TIMEOUT_SECONDS=${OPENSEARCH_START_TIMEOUT:-120}

ensure_installed() {
  if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
    apt_install openjdk-17-jdk-headless maven
  fi
}

# Succeeds when the compiled launcher and its class path are newer than every project file
# and every jar on the class path is still in the local Maven repository.
build_is_current() {
  local class_file=$PROJECT_DIR/target/classes/${MAIN_CLASS//.//}.class jar jars
  [[ -s $CLASSPATH_FILE && -f $class_file ]] || return 1
  local changed
  changed=$(find "$PROJECT_DIR/pom.xml" "$PROJECT_DIR/src" -newer "$CLASSPATH_FILE" -print -quit)
  [[ -z $changed ]] || return 1
  IFS=: read -r -a jars <"$CLASSPATH_FILE"
  for jar in "${jars[@]}"; do
    [[ -f $jar ]] || return 1
  done
}

# Compiles the launcher and writes its class path, offline when the local Maven repository
# already has every artifact, otherwise online from Maven Central.
build() {
  if build_is_current; then
    log "launcher build is current"
    return 0
  fi

  local build_log=$RUN_DIR/opensearch-build.log
  log "building the launcher with Maven, offline first"
  if mvn -q -B -o -f "$PROJECT_DIR/pom.xml" process-classes >"$build_log" 2>&1; then
    log "offline build done in $(elapsed_seconds)s"
    return 0
  fi

  log "offline build failed (artifacts not cached); downloading from Maven Central"
  if ! mvn -q -B -f "$PROJECT_DIR/pom.xml" process-classes >"$build_log" 2>&1; then
    tail -n 40 "$build_log" >&2
    die "Maven build of $PROJECT_DIR failed; the full output is in $build_log"
  fi
  log "online build done in $(elapsed_seconds)s"
}

# Starts the JVM in the background and writes its pid file.
launch() {
  local port=$1
  mkdir -p "$STATE_DIR/data" "$STATE_DIR/logs" "$STATE_DIR/tmp"
  # transport.port=0 lets the node bind any free port for its (unused) node-to-node transport.
  # The disk threshold is off so a nearly full disk does not leave shards unassigned.
  nohup java \
    "-Xms$HEAP" "-Xmx$HEAP" \
    -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true \
    -Dfile.encoding=UTF-8 \
    "-Djava.io.tmpdir=$STATE_DIR/tmp" \
    -Dlog4j.shutdownHookEnabled=false \
    -Dlog4j2.disable.jmx=true \
    -cp "$PROJECT_DIR/target/classes:$(cat "$CLASSPATH_FILE")" \
    "$MAIN_CLASS" \
    cluster.name=happy-os-test \
    node.name=test-node \
    "path.home=$STATE_DIR" \
    "path.data=$STATE_DIR/data" \
    "path.logs=$STATE_DIR/logs" \
    network.host=127.0.0.1 \
    "http.port=$port" \
    transport.port=0 \
    discovery.type=single-node \
    cluster.routing.allocation.disk.threshold_enabled=false \
    >"$LOG_FILE" 2>&1 </dev/null &
  printf '%s\n' "$!" >"$PID_FILE"
}

# Polls cluster health until it is yellow or green. Fails when the JVM exits or the timeout
# passes, and on timeout stops the JVM it started.
wait_until_healthy() {
  local url=$1 pid=$2 deadline=$((SECONDS + START_TIMEOUT_SECONDS)) health
  local health_url="$url/_cluster/health?wait_for_status=yellow&timeout=1s"
  while ((SECONDS < deadline)); do
    if ! process_alive "$pid"; then
      tail -n 40 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      die "the OpenSearch JVM (pid $pid) exited during start; its log is $LOG_FILE"
    fi
    health=$(curl -sS --max-time 5 "$health_url" 2>/dev/null || true)
    if [[ $health =~ \"status\":\"(yellow|green)\" ]]; then
      log "cluster health is ${BASH_REMATCH[1]}"
      return 0
    fi
    sleep 0.5
  done
  tail -n 40 "$LOG_FILE" >&2 || true
  stop_by_pid_file "$PID_FILE" "$MAIN_CLASS" 30
  die "cluster health at $url was not yellow or green within ${START_TIMEOUT_SECONDS}s;" \
    "its log is $LOG_FILE"
}

start() {
  local pid port url
  if pid=$(running_pid "$PID_FILE" "$MAIN_CLASS") && [[ -s $URL_FILE ]]; then
    url=$(cat "$URL_FILE")
    log "already running as pid $pid at $url"
    publish_url OPENSEARCH_URL "$url"
    return 0
  fi

  ensure_installed
  build
  mkdir -p "$STATE_DIR"
  rm -f "$PID_FILE" "$URL_FILE"
  port=$(free_port)
  url=http://127.0.0.1:$port
  log "starting OpenSearch on $url with heap $HEAP, data in $STATE_DIR/data"
  launch "$port"
  wait_until_healthy "$url" "$(cat "$PID_FILE")"

  printf '%s\n' "$url" >"$URL_FILE"
  log "ready as pid $(cat "$PID_FILE") in $(elapsed_seconds)s"
  publish_url OPENSEARCH_URL "$url"
}

stop() {
  stop_by_pid_file "$PID_FILE" "$MAIN_CLASS" 30
  rm -f "$URL_FILE"
  env_unset OPENSEARCH_URL
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
