import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createS3Client, type S3ClientConfig } from '../../../lambdas/adapters/s3/index.js';
import { createSqsClient } from '../../../lambdas/adapters/sqs/index.js';
import type { LeasedTaskMessage, TaskMessage, TaskQueue } from '../../../lambdas/ports/index.js';

/**
 * Access to moto, which scripts/services/moto.sh starts on loopback. Suites that need it run
 * when MOTO_URL is set and are reported as skipped otherwise, with the start command in their
 * title.
 */

export const MOTO_SCRIPT = 'scripts/services/moto.sh';

/** Returns moto's URL, or undefined when MOTO_URL is not set. */
export function motoUrl(): string | undefined {
  return process.env.MOTO_URL || undefined;
}

/** Names a suite, adding the missing variable and the start command when it will be skipped. */
export function motoSuiteTitle(name: string): string {
  return motoUrl() ? name : `${name} needs MOTO_URL (start: ${MOTO_SCRIPT} start)`;
}

/**
 * Returns moto's URL.
 *
 * @throws {Error} naming the variable and the start script when it is not set.
 */
export function requireMotoUrl(): string {
  const url = motoUrl();
  if (!url) throw new Error(`MOTO_URL is not set. Run ${MOTO_SCRIPT} start first.`);
  return url;
}

/**
 * Client settings for moto: a fixed region and static dummy credentials, so the SDK never
 * consults the default credential chain or an instance metadata address.
 */
export function motoClientConfig(endpoint: string): S3ClientConfig {
  return {
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestTimeoutMs: 5000,
  };
}

export function motoSqsClient(endpoint = requireMotoUrl()): SQSClient {
  return createSqsClient(motoClientConfig(endpoint));
}

export function motoS3Client(endpoint = requireMotoUrl()): S3Client {
  return createS3Client(motoClientConfig(endpoint));
}

/** Runs scripts/services/moto.sh with its own RUN_DIR and returns the URL it prints. */
export async function runMotoScript(
  command: 'start' | 'stop',
  runDir: string,
): Promise<string | undefined> {
  const child = spawn(MOTO_SCRIPT, [command], {
    env: { ...process.env, RUN_DIR: runDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${MOTO_SCRIPT} ${command} exited with ${code}:\n${output}`);
  return /^MOTO_URL=(\S+)$/m.exec(output)?.[1];
}

/**
 * The clock of a task queue under test, tied to real time because SQS hides messages in real
 * seconds. Advancing it by `ms` moves the queue's clock by `ms` and makes the next queue call
 * wait until `ms`, rounded up to whole seconds, has passed in real time. Real time so never
 * lags the queue's clock by a whole SQS second, and SQS has shown every message that is due.
 */
export class SqsTestClock {
  private fakeMs: number;
  private realTargetMs = 0;

  constructor(startMs: number) {
    this.fakeMs = startMs;
  }

  readonly now = (): number => this.fakeMs;

  advance(ms: number): void {
    this.fakeMs += ms;
    this.realTargetMs = Math.max(this.realTargetMs, Date.now()) + Math.ceil(ms / 1000) * 1000;
  }

  /** Resolves once real time has caught up with the last advance. */
  async settle(): Promise<void> {
    for (
      let wait = this.realTargetMs - Date.now();
      wait > 0;
      wait = this.realTargetMs - Date.now()
    ) {
      await sleep(wait);
    }
  }
}

/** A task queue whose every call first waits for {@link SqsTestClock.settle}. */
export class SettlingTaskQueue implements TaskQueue {
  constructor(
    private readonly inner: TaskQueue,
    private readonly clock: SqsTestClock,
  ) {}

  async enqueue(message: TaskMessage, delayMs: number): Promise<void> {
    await this.clock.settle();
    return this.inner.enqueue(message, delayMs);
  }

  async receive(maxMessages: number, leaseMs: number): Promise<LeasedTaskMessage[]> {
    await this.clock.settle();
    return this.inner.receive(maxMessages, leaseMs);
  }

  async complete(receipt: string): Promise<boolean> {
    await this.clock.settle();
    return this.inner.complete(receipt);
  }

  async release(receipt: string, delayMs: number): Promise<boolean> {
    await this.clock.settle();
    return this.inner.release(receipt, delayMs);
  }

  async extendLease(receipt: string, leaseMs: number): Promise<boolean> {
    await this.clock.settle();
    return this.inner.extendLease(receipt, leaseMs);
  }

  async cancel(message: TaskMessage): Promise<void> {
    await this.clock.settle();
    return this.inner.cancel(message);
  }
}
