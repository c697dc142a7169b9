import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import type { HealthCheckResult, HealthProbe } from '../../ports/index.js';
import { DependencyGuard, type CircuitBreaker, type GuardOptions } from '../resilience/index.js';
import { awsErrorCode, isAwsFailure } from './aws-failures.js';

/** Options of {@link SqsHealthProbe}. */
export interface SqsHealthProbeOptions {
  /** Client from `createSqsClient`. */
  readonly client: SQSClient;
  /** URL of the task queue. */
  readonly queueUrl: string;
  /**
   * Breaker of the task queue, shared with its `SqsTaskQueue` (pass the same one as its
   * `breaker` option), so an open breaker shows in the check and the check can close it.
   */
  readonly breaker: CircuitBreaker;
  /** Timeout of the call; retries are never made. @default {@link PROBE_TIMEOUT_MS} */
  readonly guard?: Pick<GuardOptions, 'timeoutMs'>;
}

/**
 * Default timeout of a probe call, in ms. It is below the health service's 2000 ms limit per
 * probe, which would report a slow probe as `fail` and so turn `/health` unhealthy, when a slow
 * queue or bucket must only degrade it.
 */
export const PROBE_TIMEOUT_MS = 1500;

/**
 * Checks the task queue with GetQueueAttributes. Only task submissions and the task worker need
 * SQS, so a failure reports `warn`: `/health` stays 200 with status `degraded` and the router
 * keeps traffic in the cloud, where memory, search and agents still work.
 */
export class SqsHealthProbe implements HealthProbe {
  readonly name = 'sqs';
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly guard: DependencyGuard;

  /** @throws {AdapterConfigError} when the timeout is out of range. */
  constructor(options: SqsHealthProbeOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.guard = new DependencyGuard('sqs', {
      timeoutMs: options.guard?.timeoutMs ?? PROBE_TIMEOUT_MS,
      retries: 0,
      isFailure: isAwsFailure,
      breaker: options.breaker,
    });
  }

  async check(): Promise<HealthCheckResult> {
    const command = new GetQueueAttributesCommand({
      QueueUrl: this.queueUrl,
      AttributeNames: ['QueueArn'],
    });
    return runProbe(this.name, 'task submissions fail until it recovers', () =>
      this.guard.execute((signal) => this.client.send(command, { abortSignal: signal }), {
        repeatable: false,
      }),
    );
  }
}

/**
 * Runs one probe call and reports `pass`, or `warn` with `consequence` and the reason.
 *
 * @param consequence what stops working while the dependency is down.
 */
export async function runProbe(
  name: string,
  consequence: string,
  call: () => Promise<unknown>,
): Promise<HealthCheckResult> {
  const started = performance.now();
  try {
    await call();
    return { name, status: 'pass', latencyMs: performance.now() - started };
  } catch (error) {
    const latencyMs = performance.now() - started;
    const detail = `unavailable (${describeFailure(error)}); ${consequence}`;
    return { name, status: 'warn', latencyMs, detail };
  }
}

/** Names the failure without internals: the breaker, a timeout, or the AWS error code. */
function describeFailure(error: unknown): string {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  if (cause instanceof BrokenCircuitError) return 'circuit breaker open';
  if (cause instanceof TaskCancelledError) return 'timed out';
  const code = awsErrorCode(cause);
  if (code !== undefined) return code;
  return cause instanceof Error ? `request failed: ${cause.name}` : 'request failed';
}
