import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { BreakerReport } from '../../handlers/services.js';
import {
  DependencyGuard,
  LocalCircuitBreaker,
  type CallOptions,
  type CircuitBreaker,
  type GuardOptions,
} from '../resilience/index.js';
import { awsErrorCode, isAwsFailure } from './aws-failures.js';

/**
 * Error codes of ChangeMessageVisibility and DeleteMessage for a receipt handle that no longer
 * names a message in flight. `InvalidParameterValue` is what SQS returns for an expired handle.
 */
const STALE_HANDLE_CODES = new Set([
  'ReceiptHandleIsInvalid',
  'MessageNotInflight',
  'AWS.SimpleQueueService.MessageNotInflight',
  'InvalidParameterValue',
]);

/** Options of {@link SqsGateway}. */
export interface SqsGatewayOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly guard?: GuardOptions;
  readonly breaker?: CircuitBreaker;
  /** Long-polling wait of ReceiveMessage, in whole seconds. */
  readonly waitTimeSeconds: number;
}

const DEFAULT_TIMEOUT_MS = 2000;

/**
 * The one path from the task queue to SQS. Every call runs behind a dependency guard named
 * `sqs`. ReceiveMessage has a guard of its own whose timeout adds the long-polling wait, and
 * both guards share one breaker.
 */
export class SqsGateway {
  readonly breaker: CircuitBreaker;
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly guard: DependencyGuard;
  private readonly pollGuard: DependencyGuard;

  /** @throws {AdapterConfigError} when a guard option is out of range. */
  constructor(options: SqsGatewayOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    const guard = options.guard ?? {};
    this.breaker =
      options.breaker ?? new LocalCircuitBreaker('sqs', { ...guard, isFailure: isAwsFailure });
    const shared = { ...guard, isFailure: isAwsFailure, breaker: this.breaker };
    this.guard = new DependencyGuard('sqs', shared);
    const pollTimeoutMs = (guard.timeoutMs ?? DEFAULT_TIMEOUT_MS) + options.waitTimeSeconds * 1000;
    this.pollGuard = new DependencyGuard('sqs', { ...shared, timeoutMs: pollTimeoutMs });
  }

  /**
   * Sends a message body. A retry after a lost response may send it twice, which the queue's
   * at-least-once delivery allows.
   *
   * @throws {DependencyUnavailableError} when SQS fails or the breaker is open.
   */
  async send(body: string, delaySeconds: number): Promise<void> {
    const command = new SendMessageCommand({
      QueueUrl: this.queueUrl,
      MessageBody: body,
      DelaySeconds: delaySeconds,
    });
    await this.call((signal) => this.client.send(command, { abortSignal: signal }), {
      repeatable: true,
    });
  }

  /**
   * Receives up to `maxMessages` (at most 10) messages and hides them for `visibilitySeconds`.
   * A retry after a lost response leaves the messages of the lost reply hidden until their
   * visibility timeout ends, when SQS delivers them again.
   *
   * @throws {DependencyUnavailableError} when SQS fails or the breaker is open.
   */
  async receive(
    maxMessages: number,
    visibilitySeconds: number,
    waitSeconds: number,
  ): Promise<Message[]> {
    const command = new ReceiveMessageCommand({
      QueueUrl: this.queueUrl,
      MaxNumberOfMessages: maxMessages,
      VisibilityTimeout: visibilitySeconds,
      WaitTimeSeconds: waitSeconds,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    });
    const guard = waitSeconds > 0 ? this.pollGuard : this.guard;
    const output = await guard.execute(
      (signal) => this.client.send(command, { abortSignal: signal }),
      { repeatable: true },
    );
    return output.Messages ?? [];
  }

  /**
   * Deletes a message.
   *
   * @returns false when SQS rejects the receipt handle as invalid or expired.
   * @throws {DependencyUnavailableError} when SQS fails or the breaker is open.
   */
  async delete(handle: string): Promise<boolean> {
    const command = new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: handle });
    return this.callWithHandle((signal) => this.client.send(command, { abortSignal: signal }));
  }

  /**
   * Makes a message visible `seconds` from now.
   *
   * @returns false when SQS rejects the receipt handle as invalid or expired.
   * @throws {DependencyUnavailableError} when SQS fails or the breaker is open.
   */
  async changeVisibility(handle: string, seconds: number): Promise<boolean> {
    const command = new ChangeMessageVisibilityCommand({
      QueueUrl: this.queueUrl,
      ReceiptHandle: handle,
      VisibilityTimeout: seconds,
    });
    return this.callWithHandle((signal) => this.client.send(command, { abortSignal: signal }));
  }

  /** Returns the breaker's state for `GET /circuit-breakers`. */
  report(): BreakerReport {
    return this.breaker.report();
  }

  private call<T>(fn: (signal: AbortSignal) => Promise<T>, options: CallOptions): Promise<T> {
    return this.guard.execute(fn, options);
  }

  /** Both calls set an absolute state, so repeating them cannot change the outcome. */
  private async callWithHandle(fn: (signal: AbortSignal) => Promise<unknown>): Promise<boolean> {
    try {
      await this.call(fn, { repeatable: true });
      return true;
    } catch (error) {
      const code = awsErrorCode(error);
      if (code !== undefined && STALE_HANDLE_CODES.has(code)) return false;
      throw error;
    }
  }
}
