import { z } from 'zod';

import { RouterConfigInvalidError, type ConfigProblem } from './errors.js';

const positiveMs = z.int().positive();

const httpUrl = z.url({
  protocol: /^https?$/,
  error: (issue) =>
    issue.input === undefined
      ? 'is required: an http:// or https:// URL'
      : 'must be an http:// or https:// URL',
});

/**
 * Active health check of one target, in the sense of Route 53 health checks.
 *
 * The defaults detect an outage in under 1 s: a check every 200 ms that fails after 150 ms, and
 * 2 failures in a row to call the target down. The worst case is a target that dies just after a
 * passing check: the next two checks start at +200 ms and +400 ms and the second one times out at
 * +550 ms. Two failures rather than one keep a single lost check from flipping traffic. Three
 * passes (600 ms) before a target counts as healthy again keep one lucky check from doing so.
 * A cloud target far away on the network may need a longer `timeoutMs`; keep
 * `intervalMs * failureThreshold + timeoutMs` under 1000 to keep sub-second detection.
 */
const healthCheckSchema = z
  .strictObject({
    /** Path requested with GET. @default '/health' */
    path: z.string().startsWith('/', 'must start with /').default('/health'),
    /** Time between the starts of two checks. @default 200 */
    intervalMs: positiveMs.default(200),
    /** Time after which a check counts as failed. @default 150 */
    timeoutMs: positiveMs.default(150),
    /** Failed checks in a row that make a healthy target unhealthy. @default 2 */
    failureThreshold: z.int().min(1).max(10).default(2),
    /** Passing checks in a row that make an unhealthy target healthy. @default 3 */
    successThreshold: z.int().min(1).max(10).default(3),
    /** Status codes that count as passing. @default [200] */
    expectedStatus: z.array(z.int().min(100).max(599)).min(1).default([200]),
    /** Text that must appear in the first 64 KiB of the body for the check to pass. */
    bodyContains: z.string().min(1).optional(),
  })
  .refine((check) => check.timeoutMs <= check.intervalMs, {
    message: 'timeoutMs must not exceed intervalMs, so checks never overlap',
    path: ['timeoutMs'],
  });

/**
 * Circuit breaker fed by live traffic to one target. A consecutive breaker opens after
 * `threshold` failed requests in a row. A sampling breaker opens when the failure rate over
 * `durationMs` exceeds `threshold` (0 to 1) while traffic is at least `minimumRps` requests per
 * second.
 */
const breakerSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('consecutive'),
    /** @default 5 */
    threshold: z.int().min(1).default(5),
    /** Time an open breaker waits before it lets one trial request through. @default 1000 */
    halfOpenAfterMs: positiveMs.default(1000),
  }),
  z.strictObject({
    kind: z.literal('sampling'),
    threshold: z.number().gt(0).max(1).default(0.5),
    durationMs: positiveMs.default(5000),
    minimumRps: z.number().positive().default(5),
    halfOpenAfterMs: positiveMs.default(1000),
  }),
]);

function targetSchema(defaultLabel: string) {
  return z.strictObject({
    /** Base URL; a path in it (an API Gateway stage) prefixes every proxied path. */
    url: httpUrl,
    /** Value of `x-happy-served-by` for responses from this target. */
    label: z
      .string()
      .regex(/^[a-z0-9_-]{1,32}$/, 'must be 1-32 lowercase letters, digits, _ or -')
      .default(defaultLabel),
    /** Maximum open connections to the target. @default 64 */
    connections: z.int().min(1).max(4096).default(64),
    /** Idle time after which a keep-alive connection closes. @default 4000 */
    keepAliveTimeoutMs: positiveMs.default(4000),
    /** Time allowed for the TCP (and TLS) connect. @default 1000 */
    connectTimeoutMs: positiveMs.default(1000),
    /** Time from sending a request to receiving the response headers. @default 5000 */
    headersTimeoutMs: positiveMs.default(5000),
    /** Time allowed between two chunks of a response body. @default 30000 */
    bodyTimeoutMs: positiveMs.default(30_000),
    healthCheck: healthCheckSchema.prefault({}),
    breaker: breakerSchema.prefault({ kind: 'consecutive' }),
  });
}

/**
 * Hysteresis of the failover policy. A flip back needs the primary healthy for `stableMs`
 * without a break, `minHoldMs` since the flip to the secondary, and a ready recovery gate. With
 * the default checks (600 ms to call a target healthy), a flip back takes about 2.6 s after the
 * primary is back, inside the 5 s target. A primary that is up for less than 2 s at a time never
 * gets traffic back. Each time the primary fails within `flapWindowMs` of a flip back, the
 * next `stableMs` doubles, up to `maxStableMs`.
 */
const failoverSchema = z
  .strictObject({
    /** @default 3000 */
    minHoldMs: z.int().min(0).default(3000),
    /** @default 2000 */
    stableMs: z.int().min(0).default(2000),
    /** @default 30000 */
    maxStableMs: z.int().min(0).default(30_000),
    /** @default 30000 */
    flapWindowMs: z.int().min(0).default(30_000),
    /** Time allowed for one recovery gate call before it counts as not ready. @default 2000 */
    gateTimeoutMs: positiveMs.default(2000),
    /** Time between two evaluations of the flip-back conditions. @default 100 */
    tickMs: positiveMs.default(100),
  })
  .refine((failover) => failover.maxStableMs >= failover.stableMs, {
    message: 'maxStableMs must be at least stableMs',
    path: ['maxStableMs'],
  });

// Fields of the router configuration, each checked on its own. The schema below compares them.
const routerFieldsSchema = z.strictObject({
  /** Address the router listens on. @default '127.0.0.1' */
  host: z.string().min(1).default('127.0.0.1'),
  /** Port the router listens on; 0 picks a free one. @default 8000 */
  port: z.int({ error: 'must be an integer from 0 to 65535' }).min(0).max(65_535).default(8000),
  /** Bearer token of the admin API; without one, the admin API returns 403. */
  adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Largest request body buffered so that a safe request can be retried. @default 1048576 */
  maxRetryBodyBytes: z
    .int()
    .min(0)
    .default(1024 * 1024),
  /** Keep and extend incoming `x-forwarded-*` headers instead of replacing them. @default false */
  trustForwardedHeaders: z.boolean().default(false),
  targets: z.strictObject({
    primary: targetSchema('cloud'),
    secondary: targetSchema('edge'),
  }),
  failover: failoverSchema.prefault({}),
});

/**
 * Schema of the whole router configuration; see {@link RouterConfig} for the fields. Both
 * targets must be different, because a router whose secondary is its primary has nowhere to
 * fail over to.
 */
export const routerConfigSchema = routerFieldsSchema.superRefine(rejectSameTarget, {
  when: () => true,
});

// Compares the URLs as the proxy uses them: origin and path, without trailing slashes. It runs
// even when other fields are invalid (`when`), so that one error lists every problem.
function rejectSameTarget(input: unknown, context: z.RefinementCtx): void {
  if (typeof input !== 'object' || input === null) {
    return;
  }
  const targets = (input as { targets?: Record<string, { url?: unknown } | undefined> }).targets;
  const primary = targetKey(targets?.primary?.url);
  const secondaryUrl = targets?.secondary?.url;
  if (primary === undefined || primary !== targetKey(secondaryUrl)) {
    return;
  }

  context.addIssue({
    code: 'custom',
    path: ['targets', 'secondary', 'url'],
    input: secondaryUrl,
    message: 'is the same target as targets.primary.url, which leaves nothing to fail over to',
  });
}

function targetKey(url: unknown): string | undefined {
  if (typeof url !== 'string' || !URL.canParse(url)) {
    return undefined;
  }
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** Validated router configuration with every default filled in. */
export type RouterConfig = z.output<typeof routerConfigSchema>;

/** Router configuration as written by a user: only the target URLs are required. */
export type RouterConfigInput = z.input<typeof routerConfigSchema>;

/** Configuration of one target after validation. */
export type TargetConfig = RouterConfig['targets']['primary'];

/** Configuration of the health check of one target after validation. */
export type HealthCheckConfig = TargetConfig['healthCheck'];

/** Configuration of the circuit breaker of one target after validation. */
export type BreakerConfig = TargetConfig['breaker'];

/** Configuration of the failover policy after validation. */
export type FailoverConfig = RouterConfig['failover'];

/**
 * Validates a router configuration and fills in the defaults.
 *
 * @throws {RouterConfigInvalidError} listing every invalid or unknown field at once.
 */
export function parseRouterConfig(input: unknown): RouterConfig {
  const result = routerConfigSchema.safeParse(input, { reportInput: true });
  if (result.success) {
    return result.data;
  }

  const problems: ConfigProblem[] = result.error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.join('.') : '(root)',
    message: issue.path.includes('adminToken')
      ? issue.message
      : `${issue.message}${describeInput(issue.input)}`,
  }));
  throw new RouterConfigInvalidError(problems, { cause: result.error });
}

// Shows the rejected value when it is a short primitive.
function describeInput(input: unknown): string {
  if (typeof input === 'number' || typeof input === 'boolean') {
    return ` (received ${String(input)})`;
  }
  if (typeof input === 'string' && input.length <= 200) {
    return ` (received ${JSON.stringify(input)})`;
  }
  return '';
}
