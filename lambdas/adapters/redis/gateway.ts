import { ErrorReply } from '@redis/client';
import type { BreakerReport } from '../../handlers/services.js';
import type { AppLogger } from '../../ports/index.js';
import { DependencyGuard, type GuardOptions } from '../resilience/index.js';
import type { RedisClient } from './client.js';
import { isRedisFailure } from './errors.js';
import type { RedisScript } from './scripts.js';

/** Options of {@link RedisGateway}. */
export interface RedisGatewayOptions {
  /** Client from `createRedisClient`; the gateway connects it on first use. */
  readonly client: RedisClient;
  /**
   * Timeouts, retries and breaker of Redis calls. @default 250 ms per attempt, 1 retry of
   * repeatable commands after 20 ms, breaker open after 5 failures in a row for 1000 ms
   */
  readonly guard?: GuardOptions;
  /** Receives connection errors, at most one line per outage. @default none */
  readonly logger?: AppLogger;
}

/** Options of a SET. */
export interface SetOptions {
  /** Lifetime in ms. */
  readonly pxMs?: number;
  /** Set only when the key does not exist. Such a SET is never retried. */
  readonly nx?: boolean;
}

/**
 * Redis sits in the same VPC as the functions and replies in about a millisecond, so 250 ms
 * is far beyond a healthy reply while keeping a slow Redis from holding up requests that only
 * use it as a cache.
 */
const DEFAULT_GUARD: GuardOptions = {
  timeoutMs: 250,
  retries: 1,
  retryInitialDelayMs: 20,
  retryMaxDelayMs: 100,
};

/**
 * The one path from the adapters to Redis: every command runs behind the dependency guard and
 * throws `DependencyUnavailableError` when Redis fails, so callers can fall back.
 */
export class RedisGateway {
  readonly guard: DependencyGuard;
  private readonly client: RedisClient;
  private readonly logger: AppLogger | undefined;
  private connecting: Promise<unknown> | undefined;
  /** Resolves when the first connection is ready. */
  private firstReady: Promise<void> | undefined;
  private failing = false;
  private closed = false;

  /** @throws {AdapterConfigError} when a guard option is out of range. */
  constructor(options: RedisGatewayOptions) {
    this.client = options.client;
    this.logger = options.logger;
    this.guard = new DependencyGuard('redis', {
      ...DEFAULT_GUARD,
      ...options.guard,
      isFailure: isRedisFailure,
    });
    this.client.on('error', (error: unknown) => this.noteFailure(error));
    this.client.on('ready', () => this.noteRecovery());
  }

  async get(key: string): Promise<string | null> {
    return this.run((client) => client.get(key), true);
  }

  /** @returns false when `nx` was set and the key existed. */
  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    const reply = await this.run(
      (client) =>
        client.set(key, value, {
          ...(options.pxMs !== undefined
            ? { expiration: { type: 'PX', value: options.pxMs } }
            : {}),
          ...(options.nx ? { condition: 'NX' } : {}),
        }),
      !options.nx,
    );
    return reply !== null;
  }

  async del(keys: string[]): Promise<number> {
    return this.run((client) => client.del(keys), true);
  }

  async ping(): Promise<void> {
    await this.run((client) => client.ping(), false);
  }

  /**
   * Runs a Lua script by its SHA-1, loading it on the first NOSCRIPT reply.
   *
   * @param repeatable true when running the script twice has the effect of running it once.
   */
  async runScript(
    script: RedisScript,
    keys: string[],
    args: string[],
    repeatable: boolean,
  ): Promise<unknown> {
    const options = { keys, arguments: args };
    return this.run(async (client) => {
      try {
        return await client.evalSha(script.sha1, options);
      } catch (error) {
        if (!(error instanceof ErrorReply) || !error.message.startsWith('NOSCRIPT')) throw error;
        return client.eval(script.source, options);
      }
    }, repeatable);
  }

  /** Returns the breaker's state for `GET /circuit-breakers`. */
  report(): BreakerReport {
    return this.guard.report();
  }

  /** Closes the connection; the gateway cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.client.isOpen) this.client.destroy();
    await this.connecting;
  }

  private async run<T>(command: (client: RedisClient) => Promise<T>, repeatable: boolean) {
    const firstReady = this.connect();
    return this.guard.execute(
      async (signal) => {
        // Only the first connection is waited for, within the attempt's timeout, so a cold
        // start uses Redis from its first request. Commands during later outages fail fast.
        if (!this.client.isReady && firstReady) await firstReady;
        return command(this.client.withAbortSignal(signal) as RedisClient);
      },
      { repeatable },
    );
  }

  /**
   * Starts connecting once; node-redis keeps reconnecting after that on its own.
   *
   * @returns a promise of the first connection while it is pending, else undefined.
   */
  private connect(): Promise<void> | undefined {
    if (!this.client.isOpen && !this.closed) {
      this.firstReady = new Promise((resolve) => this.client.once('ready', () => resolve()));
      this.connecting = this.client.connect().catch((error: unknown) => this.noteFailure(error));
      void this.firstReady.then(() => (this.firstReady = undefined));
    }
    return this.firstReady;
  }

  private noteFailure(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    const message = error instanceof Error ? error.message : String(error);
    this.logger?.warn('Redis connection failed; callers fall back until it recovers.', {
      error: message,
    });
  }

  private noteRecovery(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger?.info('Redis connection recovered.');
  }
}
