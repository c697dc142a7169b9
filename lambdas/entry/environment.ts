import { indexNames } from '../adapters/opensearch/indices.js';
import type { CloudNodeConfig } from './cloud-node.js';
import type { SecretArns } from './secrets.js';

/**
 * Requirements of one function on its environment beyond what every function gets. The CDK
 * stack sets exactly these variables (lib/lambda-entries.ts), and a test checks that the two
 * agree.
 */
export interface FunctionNeeds {
  /** Name of the function, used in error messages. */
  readonly name: string;
  /** True for API functions, which need `HAPPY_API_EVENT_FORMAT`. */
  readonly api: boolean;
  /** Indices the function may create: `health` for a function limited to the health index. */
  readonly indices: 'all' | 'health';
  readonly signingKey: boolean;
  readonly adminToken: boolean;
  readonly replicationToken: boolean;
  /**
   * True when the function uses the task queue, to send tasks or only to probe it: it requires
   * `TASK_QUEUE_URL`, which the other functions ignore.
   */
  readonly taskQueue: boolean;
  /** True when the function uses the files bucket: it requires `FILES_BUCKET`, as above. */
  readonly filesBucket: boolean;
}

/** The configuration of a function read from its environment. */
export interface CloudEnvironment {
  readonly config: CloudNodeConfig;
  /** Secrets Manager ids (ARNs or names) of the secrets the environment names. */
  readonly secretArns: SecretArns;
  /** Event format of the API in front of an API function; undefined for the task worker. */
  readonly apiEventFormat?: '1.0' | '2.0';
}

/** The environment of a function is invalid; the message lists every problem. */
export class CloudEnvironmentError extends Error {
  readonly problems: readonly string[];

  constructor(functionName: string, problems: readonly string[]) {
    const list = problems.map((problem) => `  - ${problem}`).join('\n');
    super(
      `Invalid environment of function "${functionName}" (${problems.length} problem(s)):\n` +
        `${list}\nThe CDK stack sets these variables; lib/lambda-entries.ts lists them.`,
    );
    this.name = 'CloudEnvironmentError';
    this.problems = problems;
  }
}

const STAGE = /^[a-z][a-z0-9-]{0,31}$/;
const NODE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** S3 bucket names: 3 to 63 lower-case letters, digits, dots and hyphens. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Host names and IP addresses; IPv6 in brackets is not accepted, as ElastiCache has none. */
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/** Host names that mean this machine: local engines, reached without TLS or request signing. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Tells whether a host name is a loopback address. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || host.startsWith('127.');
}

/**
 * Reads and checks the environment of one function. OpenSearch requests are signed with SigV4
 * unless the endpoint is on a loopback address, and Redis uses TLS unless its host is one.
 *
 * @throws {CloudEnvironmentError} listing every missing or invalid variable.
 */
export function parseCloudEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  needs: FunctionNeeds,
): CloudEnvironment {
  const read = new EnvironmentReader(env);
  const region = read.required('AWS_REGION', REGION, 'an AWS region such as eu-west-1');
  const openSearchUrl = read.url('OPENSEARCH_ENDPOINT', true);
  const prefix = read.required('OPENSEARCH_INDEX_PREFIX', /^.+$/, 'an index name prefix');
  if (prefix !== undefined) read.check('OPENSEARCH_INDEX_PREFIX', () => indexNames(prefix));
  const config: CloudNodeConfig = {
    nodeId: read.required('HAPPY_NODE_ID', NODE_ID, 'lower-case letters, digits and "-"') ?? '',
    stage: read.required('HAPPY_STAGE', STAGE, 'a stage name such as dev') ?? '',
    openSearch: {
      url: openSearchUrl?.href ?? '',
      indexPrefix: prefix ?? '',
      indices: needs.indices,
      ...(openSearchUrl && !isLoopbackHost(openSearchUrl.hostname)
        ? { signingRegion: region }
        : {}),
    },
    aws: {
      region: region ?? '',
      ...optional('endpoint', read.url('AWS_ENDPOINT_URL', false)?.href),
    },
    ...optional('redis', readRedis(read)),
    // Only a function that uses the queue or the bucket reads their variables, so that the
    // others never build an SQS or S3 client (their bundles do not contain one).
    ...optional(
      'taskQueueUrl',
      needs.taskQueue ? read.url('TASK_QUEUE_URL', true)?.href : undefined,
    ),
    ...optional(
      'filesBucket',
      needs.filesBucket
        ? read.optional('FILES_BUCKET', BUCKET, 'an S3 bucket name', true)
        : undefined,
    ),
  };
  const secretArns: SecretArns = {
    ...optional('signingKey', read.secret('SIGNING_KEY_SECRET_ARN', needs.signingKey)),
    ...optional('adminToken', read.secret('ADMIN_TOKEN_SECRET_ARN', needs.adminToken)),
    ...optional(
      'replicationToken',
      read.secret('REPLICATION_TOKEN_SECRET_ARN', needs.replicationToken),
    ),
    ...optional('redisAuthToken', read.secret('REDIS_AUTH_SECRET_ARN', needsRedisAuth(env))),
  };
  const format = needs.api
    ? read.required('HAPPY_API_EVENT_FORMAT', /^(1\.0|2\.0)$/, '"1.0" or "2.0"')
    : undefined;

  if (read.problems.length > 0) throw new CloudEnvironmentError(needs.name, read.problems);
  return { config, secretArns, ...optional('apiEventFormat', format as '1.0' | '2.0' | undefined) };
}

/** Tells whether the AUTH token is required: a Redis outside this machine is ElastiCache. */
function needsRedisAuth(env: Readonly<Record<string, string | undefined>>): boolean {
  const host = env.REDIS_ENDPOINT;
  return host !== undefined && host !== '' && !isLoopbackHost(host);
}

/** Reads the Redis endpoint: both of `REDIS_ENDPOINT` and `REDIS_PORT`, or neither. */
function readRedis(read: EnvironmentReader): CloudNodeConfig['redis'] {
  const host = read.optional('REDIS_ENDPOINT', HOST, 'a host name', false);
  const port = read.optional('REDIS_PORT', /^\d{1,5}$/, 'a port number', host !== undefined);
  if (port !== undefined && host === undefined) {
    read.problems.push('REDIS_PORT: set without REDIS_ENDPOINT; set both or neither.');
  }
  if (host === undefined || port === undefined) return undefined;
  const portNumber = Number(port);
  if (portNumber < 1 || portNumber > 65_535) {
    read.problems.push(`REDIS_PORT: expected a port from 1 to 65535, received "${port}".`);
  }
  const scheme = isLoopbackHost(host) ? 'redis' : 'rediss';
  return { url: `${scheme}://${host}:${portNumber}` };
}

/** Collects the value of each variable and every problem found. */
class EnvironmentReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  required(name: string, pattern: RegExp, expected: string): string | undefined {
    return this.optional(name, pattern, expected, true);
  }

  optional(name: string, pattern: RegExp, expected: string, needed: boolean): string | undefined {
    const value = this.env[name];
    if (value === undefined || value === '') {
      if (needed) this.problems.push(`${name}: missing; expected ${expected}.`);
      return undefined;
    }
    if (!pattern.test(value)) {
      this.problems.push(`${name}: expected ${expected}, received "${value}".`);
      return undefined;
    }
    return value;
  }

  url(name: string, needed: boolean): URL | undefined {
    const value = this.optional(name, /^https?:\/\/\S+$/, 'an http(s) URL', needed);
    if (value === undefined) return undefined;
    try {
      return new URL(value);
    } catch {
      this.problems.push(`${name}: expected an http(s) URL, received "${value}".`);
      return undefined;
    }
  }

  /** Reads a Secrets Manager id: an ARN or a secret name. */
  secret(name: string, needed: boolean): string | undefined {
    return this.optional(name, /^[A-Za-z0-9/_+=.@:-]{1,2048}$/, 'a secret ARN or name', needed);
  }

  /** Runs a check that throws, and records its message as a problem of `name`. */
  check(name: string, fn: () => unknown): void {
    try {
      fn();
    } catch (error) {
      this.problems.push(`${name}: ${(error as Error).message}`);
    }
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * Checks that a function whose needs name the task queue or the files bucket is given the
 * factory of its SQS and S3 parts, so that a wiring mistake fails at import, not at the first
 * request.
 *
 * @throws {Error} when the factory is missing.
 */
export function requireAwsParts(needs: FunctionNeeds, awsParts: unknown): void {
  if ((needs.taskQueue || needs.filesBucket) && awsParts === undefined) {
    throw new Error(
      `Function "${needs.name}" needs the task queue or the files bucket; its entry must pass ` +
        'createAwsParts of lambdas/entry/cloud-aws.ts as awsParts.',
    );
  }
}
