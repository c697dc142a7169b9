import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROUTES, type HandlerName } from '../lambdas/handlers/routes.js';

/**
 * The Lambda entry points of the cloud path and the environment they receive. This file is the
 * only place that names them: the stacks, the tests and the bundle benchmark all read it.
 *
 * Each function has an entry module `lambdas/entry/<name>.ts` that exports `handler`. The API
 * functions are one per handler name in `ROUTES`; `task-worker` consumes the task queue.
 *
 * Every function receives:
 *
 * - `HAPPY_STAGE`: the stage, such as `dev`.
 * - `HAPPY_NODE_ID`: `cloud`, written into every record version.
 * - `OPENSEARCH_ENDPOINT`: `https://` URL of the domain; requests must be signed with SigV4.
 * - `OPENSEARCH_INDEX_PREFIX`: `happy-<stage>`; IAM allows only indices, aliases and templates
 *   whose names start with it (`health` only `<prefix>-health*`).
 * - `POWERTOOLS_SERVICE_NAME`: `happy-os-<stage>`, also the `service` dimension of app metrics.
 * - `POWERTOOLS_METRICS_NAMESPACE`: `HappyOS`. `LOG_LEVEL`: `INFO`.
 * - `NODE_OPTIONS`: `--enable-source-maps`, so stack traces point into the TypeScript source.
 * - With the cache on: `REDIS_ENDPOINT` (host of the primary endpoint), `REDIS_PORT` (TLS only)
 *   and `REDIS_AUTH_SECRET_ARN` (secret whose JSON field `token` is the AUTH token). Without
 *   them an entry point runs without a cache, with rate limits per instance and no idempotency
 *   records for `Idempotency-Key` headers, as when ElastiCache is down.
 *
 * The entry points also read `AWS_REGION`, which Lambda sets. When `AWS_ENDPOINT_URL` is set,
 * it is the endpoint of SQS, S3 and Secrets Manager: LocalStack sets it, and tests point it at
 * moto.
 * An `OPENSEARCH_ENDPOINT` or `REDIS_ENDPOINT` on a loopback address is reached without SigV4
 * signing or TLS, and `REDIS_AUTH_SECRET_ARN` may then be left out, for local engines.
 *
 * API functions also receive `HAPPY_API_EVENT_FORMAT`: `2.0` behind the HTTP API and `1.0`
 * behind the REST API of the LocalStack target. The `ACCESS` table below decides the rest:
 *
 * - `SIGNING_KEY_SECRET_ARN`: secret holding the Ed25519 private JWK that signs agent tokens.
 * - `ADMIN_TOKEN_SECRET_ARN`, `REPLICATION_TOKEN_SECRET_ARN`: secrets whose JSON field `token`
 *   is the admin token or the token of the `/internal/v1/` endpoints.
 * - `TASK_QUEUE_URL`: URL of the task queue. `FILES_BUCKET`: name of the files bucket.
 *
 * The task worker gets `TASK_QUEUE_URL` and `FILES_BUCKET` too: it sends a message again when a
 * task's next run is more than the 15 minutes SQS can delay away, and re-enqueues stale tasks.
 * The health function gets both only to probe the queue and the bucket, and IAM lets it read
 * their attributes and nothing else.
 */

/** Name of a Lambda function of the cloud path. */
export type FunctionName = HandlerName | 'task-worker';

/** Name of the queue-fed function that runs tasks. */
export const TASK_WORKER: FunctionName = 'task-worker';

/** Root folder of the repository, where `package-lock.json` is. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Metric namespace of the app's own metrics. */
export const APP_METRICS_NAMESPACE = 'HappyOS';

/**
 * Names of the app's own metrics, published with Powertools Metrics (embedded metric format) and
 * the dimension `service`. The dashboard and the alarms read exactly these. The health router's
 * flips are not among them, because the router runs outside AWS: its Prometheus `GET /metrics`
 * counts them as `happy_router_flips_total`.
 */
export const APP_METRICS = {
  /**
   * Count of 5xx responses a handler returned. Each API function also publishes every 5xx it
   * returns under this name with a second dimension, {@link FUNCTION_METRIC_DIMENSION}.
   */
  responses5xx: 'Responses5xx',
  /** 1 while a circuit breaker guarding a dependency is open, published at each transition. */
  breakerOpen: 'BreakerOpen',
} as const;

/**
 * Dimension that names the function, such as `memory`, in the per-function copy of
 * `Responses5xx` (dimensions `service` and this one). Its deployment rolls back on that copy,
 * because a handler turns errors into 500 responses, which Lambda does not count as errors.
 */
export const FUNCTION_METRIC_DIMENSION = 'function';

/** Resources a function may use; the API stack grants exactly these. */
export interface FunctionAccess {
  /** Read and write of the app's indices; `health` limits it to the health index. */
  readonly search: 'all-indices' | 'health-index';
  readonly signingKey: boolean;
  readonly adminToken: boolean;
  /** The credential of the internal replication endpoints. */
  readonly replicationToken: boolean;
  readonly sendTasks: boolean;
  /** Receive and delete task messages, which the queue's event source mapping does as the role. */
  readonly consumeTasks: boolean;
  readonly files: boolean;
  /**
   * Read-only access for health checks: `sqs:GetQueueAttributes` on the task queue and
   * `s3:ListBucket` (what `HeadBucket` needs) on the files bucket, with no right to send
   * messages or to read or write objects.
   */
  readonly probeQueueAndBucket: boolean;
}

const NO_EXTRAS = {
  signingKey: true,
  adminToken: false,
  replicationToken: false,
  sendTasks: false,
  consumeTasks: false,
  files: false,
  probeQueueAndBucket: false,
};

const ACCESS: Record<FunctionName, FunctionAccess> = {
  agents: { search: 'all-indices', ...NO_EXTRAS, adminToken: true },
  memory: { search: 'all-indices', ...NO_EXTRAS },
  search: { search: 'all-indices', ...NO_EXTRAS },
  tasks: { search: 'all-indices', ...NO_EXTRAS, sendTasks: true },
  files: { search: 'all-indices', ...NO_EXTRAS, files: true },
  health: { search: 'health-index', ...NO_EXTRAS, signingKey: false, probeQueueAndBucket: true },
  // The replication endpoints take their own token. The admin token and the signing key let
  // them reject an admin or agent token with a specific 403 rather than a 401. Applying a batch
  // of changes writes every kind of record, files included, and queues the tasks it applies.
  replication: {
    search: 'all-indices',
    ...NO_EXTRAS,
    adminToken: true,
    replicationToken: true,
    sendTasks: true,
    files: true,
  },
  'task-worker': {
    search: 'all-indices',
    ...NO_EXTRAS,
    signingKey: false,
    sendTasks: true,
    consumeTasks: true,
    files: true,
  },
};

/** Returns the API functions, one per handler name in `ROUTES`, in order of first appearance. */
export function apiFunctionNames(): HandlerName[] {
  return [...new Set(ROUTES.map((route) => route.handler))];
}

/** Returns every function of the cloud path: the API functions, then the task worker. */
export function allFunctionNames(): FunctionName[] {
  return [...apiFunctionNames(), TASK_WORKER];
}

/** Returns the absolute path of a function's entry module. */
export function entryPath(name: FunctionName): string {
  return join(PROJECT_ROOT, 'lambdas', 'entry', `${name}.ts`);
}

/** Returns the entry modules that do not exist yet, as paths relative to the project root. */
export function missingEntries(): string[] {
  return allFunctionNames()
    .filter((name) => !existsSync(entryPath(name)))
    .map((name) => `lambdas/entry/${name}.ts`);
}

/**
 * Returns what a function may use.
 *
 * @throws {Error} when the route table names a handler this file has no entry for.
 */
export function accessOf(name: FunctionName): FunctionAccess {
  const access = ACCESS[name] as FunctionAccess | undefined;
  if (!access) {
    throw new Error(`lib/lambda-entries.ts: no access entry for function "${name}"; add one.`);
  }
  return access;
}

/** Returns `POWERTOOLS_SERVICE_NAME` of a stage, which is also the app metrics' dimension. */
export function serviceName(stage: string): string {
  return `happy-os-${stage}`;
}

/** Returns `OPENSEARCH_INDEX_PREFIX` of a stage. */
export function indexPrefix(stage: string): string {
  return `happy-${stage}`;
}

/** Values the environment variables are built from; most are tokens resolved at deploy time. */
export interface EntryEnvironmentValues {
  readonly stage: string;
  /** Event format of the API in front of the function. */
  readonly apiEventFormat: '1.0' | '2.0';
  /** `https://` URL of the OpenSearch domain. */
  readonly openSearchEndpoint: string;
  /** The replication group, or undefined when the cache is off. */
  readonly cache?: {
    readonly endpoint: string;
    readonly port: string;
    readonly authSecretArn: string;
  };
  readonly signingKeySecretArn: string;
  readonly adminTokenSecretArn: string;
  readonly replicationTokenSecretArn: string;
  readonly taskQueueUrl: string;
  readonly filesBucket: string;
}

/** Builds the environment variables of one function, as the table at the top of this file lists. */
export function environmentOf(
  name: FunctionName,
  values: EntryEnvironmentValues,
): Record<string, string> {
  const access = accessOf(name);
  const env: Record<string, string> = {
    HAPPY_STAGE: values.stage,
    HAPPY_NODE_ID: 'cloud',
    OPENSEARCH_ENDPOINT: values.openSearchEndpoint,
    OPENSEARCH_INDEX_PREFIX: indexPrefix(values.stage),
    POWERTOOLS_SERVICE_NAME: serviceName(values.stage),
    POWERTOOLS_METRICS_NAMESPACE: APP_METRICS_NAMESPACE,
    LOG_LEVEL: 'INFO',
    NODE_OPTIONS: '--enable-source-maps',
  };
  if (name !== TASK_WORKER) env.HAPPY_API_EVENT_FORMAT = values.apiEventFormat;
  if (values.cache) {
    env.REDIS_ENDPOINT = values.cache.endpoint;
    env.REDIS_PORT = values.cache.port;
    env.REDIS_AUTH_SECRET_ARN = values.cache.authSecretArn;
  }
  if (access.signingKey) env.SIGNING_KEY_SECRET_ARN = values.signingKeySecretArn;
  if (access.adminToken) env.ADMIN_TOKEN_SECRET_ARN = values.adminTokenSecretArn;
  if (access.replicationToken) {
    env.REPLICATION_TOKEN_SECRET_ARN = values.replicationTokenSecretArn;
  }
  if (access.sendTasks || access.probeQueueAndBucket) env.TASK_QUEUE_URL = values.taskQueueUrl;
  if (access.files || access.probeQueueAndBucket) env.FILES_BUCKET = values.filesBucket;
  return env;
}
