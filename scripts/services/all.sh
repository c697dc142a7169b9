#!/usr/bin/env bash
# Starts or stops every test service: Redis, OpenSearch and moto.
#
#   scripts/services/all.sh start   # prints REDIS_URL=…, OPENSEARCH_URL=…, MOTO_URL=…
#   scripts/services/all.sh stop
#
# The URLs are also in $RUN_DIR/env (RUN_DIR defaults to .run at the repository root), which a
# shell loads with `set -a; . .run/env; set +a`. Redis starts first; OpenSearch and moto then
# start in parallel, because each spends most of its first start downloading or waiting.
set -euo pipefail

SERVICE_NAME=all
# shellcheck source=scripts/services/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start() {
  local output_dir failed=() service
  declare -A pids
  output_dir=$(mktemp -d)
  trap 'rm -rf "$output_dir"' RETURN

  "$SERVICES_DIR/redis.sh" start >"$output_dir/redis" || failed+=(redis)
  for service in opensearch moto; do
    "$SERVICES_DIR/$service.sh" start >"$output_dir/$service" &
    pids[$service]=$!
  done
  for service in opensearch moto; do
    wait "${pids[$service]}" || failed+=("$service")
  done

  cat "$output_dir/redis" "$output_dir/opensearch" "$output_dir/moto"
  if ((${#failed[@]} > 0)); then
    die "failed to start: ${failed[*]}; the others are still running, stop them with: $0 stop"
  fi
  log "all services ready in $(elapsed_seconds)s; URLs are in $ENV_FILE"
}

stop() {
  local failed=() service
  for service in moto opensearch redis; do
    "$SERVICES_DIR/$service.sh" stop || failed+=("$service")
  done
  ((${#failed[@]} == 0)) || die "failed to stop: ${failed[*]}"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
