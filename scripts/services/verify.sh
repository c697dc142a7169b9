#!/usr/bin/env bash
# Checks that running test services respond to the calls Happy OS relies on, beyond a ping.
#
#   scripts/services/verify.sh [redis] [opensearch] [moto]   # default: all three
#
# URLs come from $RUN_DIR/env (written by the start scripts; RUN_DIR defaults to .run) unless
# REDIS_URL, OPENSEARCH_URL or MOTO_URL are already set. Prints one PASS or FAIL line per
# check and exits with status 1 when any check fails.
set -euo pipefail

SERVICE_NAME=verify
# shellcheck source=scripts/services/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FAILURES=0

load_urls() {
  local key value
  [[ -f $ENV_FILE ]] || return 0
  while IFS='=' read -r key value; do
    case $key in
      REDIS_URL | OPENSEARCH_URL | MOTO_URL) [[ -n ${!key:-} ]] || printf -v "$key" '%s' "$value" ;;
    esac
  done <"$ENV_FILE"
}

pass() { printf 'PASS %s\n' "$*"; }

fail() {
  printf 'FAIL %s\n' "$*"
  FAILURES=$((FAILURES + 1))
}

# Prints the value at a dotted path (list items by index) of the JSON document on stdin, or
# prints nothing and fails when the document is not JSON or has no such path.
json_value() {
  python3 -c '
import json, sys
try:
    value = json.load(sys.stdin)
    for part in sys.argv[1].split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
except (ValueError, KeyError, IndexError, TypeError) as error:
    sys.exit(f"no value at {sys.argv[1]}: {type(error).__name__} {error}")
print(json.dumps(value) if isinstance(value, (dict, list)) else value)
' "$1"
}

# Sends one request to OpenSearch and prints the response body. Fails on an HTTP error.
opensearch() {
  local method=$1 path=$2 body=${3:-}
  if [[ -n $body ]]; then
    curl -fsS --max-time 30 -X "$method" -H 'Content-Type: application/json' \
      "$OPENSEARCH_URL$path" -d "$body"
  else
    curl -fsS --max-time 30 -X "$method" "$OPENSEARCH_URL$path"
  fi
}

# Compares ACTUAL with EXPECTED and records a PASS or FAIL line named NAME.
expect_equal() {
  local name=$1 expected=$2 actual=$3
  if [[ $actual == "$expected" ]]; then
    pass "$name"
  else
    fail "$name: expected $expected, got $actual"
  fi
}

verify_redis() {
  local port=${REDIS_URL##*:}
  expect_equal 'redis PING' PONG "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>&1)"
}

# Prints the tokens that ANALYZER makes of "The foxes jumped", separated by spaces.
analyze() {
  opensearch POST /_analyze "{\"analyzer\":\"$1\",\"text\":\"The foxes jumped\"}" \
    | python3 -c '
import json, sys
print(" ".join(token["token"] for token in json.load(sys.stdin)["tokens"]))'
}

verify_opensearch_analyzers() {
  expect_equal 'opensearch standard analyzer' 'the foxes jumped' "$(analyze standard)"
  expect_equal 'opensearch english analyzer (analysis-common)' 'fox jump' "$(analyze english)"
}

create_verify_index() {
  local index=$1
  opensearch PUT "/$index" '{
    "settings": {"number_of_shards": 1, "number_of_replicas": 0},
    "mappings": {"properties": {
      "agentId": {"type": "keyword"},
      "content": {"type": "text", "analyzer": "english"}}}}' >/dev/null
  opensearch PUT "/$index/_doc/1" \
    '{"agentId":"a1","content":"The quick brown foxes jumped over lazy dogs"}' >/dev/null
  opensearch PUT "/$index/_doc/2" '{"agentId":"a2","content":"A fox in the garden"}' >/dev/null
  opensearch PUT "/$index/_doc/3" '{"agentId":"a1","content":"Cats sleep all day"}' >/dev/null
  opensearch POST "/$index/_refresh" >/dev/null
}

verify_opensearch_search() {
  local index=$1 response
  response=$(opensearch POST "/$index/_search" \
    '{"query":{"match":{"content":"fox"}},"highlight":{"fields":{"content":{}}}}')
  expect_equal 'opensearch match hit count' 2 "$(json_value hits.total.value <<<"$response")"
  # BM25 ranks the shorter document first, because both contain the stem "fox" once.
  expect_equal 'opensearch match top hit' 2 "$(json_value hits.hits.0._id <<<"$response")"
  expect_equal 'opensearch highlight' 'A <em>fox</em> in the garden' \
    "$(json_value hits.hits.0.highlight.content.0 <<<"$response")"

  response=$(opensearch POST "/$index/_search" \
    '{"query":{"bool":{"must":{"match":{"content":"fox"}},"filter":{"term":{"agentId":"a1"}}}}}')
  expect_equal 'opensearch bool filter hit count' 1 "$(json_value hits.total.value <<<"$response")"
  expect_equal 'opensearch bool filter hit' 1 "$(json_value hits.hits.0._id <<<"$response")"

  response=$(opensearch POST "/$index/_explain/1" '{"query":{"match":{"content":"fox"}}}')
  if [[ $response == *'k1, term saturation parameter'* &&
    $response == *'b, length normalization parameter'* ]]; then
    pass 'opensearch BM25 scoring'
  else
    fail "opensearch BM25 scoring: explanation has no k1 and b terms: ${response:0:300}"
  fi
}

verify_opensearch() {
  local version index
  version=$(opensearch GET / | json_value version.number)
  if [[ $version == 2.19.* ]]; then
    pass "opensearch version $version"
  else
    fail "opensearch version: expected 2.19.x, got $version"
  fi
  verify_opensearch_analyzers

  index=verify-$(date +%s%N)
  create_verify_index "$index"
  verify_opensearch_search "$index"
  opensearch DELETE "/$index" >/dev/null
}

verify_moto() {
  # moto.sh records the Python of its virtual environment, which has boto3.
  local python
  python=$(cat "$RUN_DIR/moto/python" 2>/dev/null || echo python3)
  if ! "$python" "$SERVICES_DIR/verify_moto.py" "$MOTO_URL"; then
    FAILURES=$((FAILURES + 1))
  fi
}

main() {
  local services=("$@") service url_key
  ((${#services[@]} > 0)) || services=(redis opensearch moto)
  load_urls
  for service in "${services[@]}"; do
    case $service in
      redis | opensearch | moto) ;;
      *) die "unknown service '$service'; expected redis, opensearch or moto" ;;
    esac
    url_key=${service^^}_URL
    if [[ -z ${!url_key:-} ]]; then
      fail "$service: $url_key is not set; run scripts/services/$service.sh start"
      continue
    fi
    log "checking $service at ${!url_key}"
    # errexit is off inside a function called before ||, so a failed request shows up as FAIL
    # lines of the checks that follow it, and a failed last command is caught here.
    "verify_$service" || fail "$service: a request failed (see the message above)"
  done

  ((FAILURES == 0)) || die "$FAILURES check(s) failed"
  log "all checks passed"
}

main "$@"
