import { randomUUID } from 'node:crypto';
import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { DependencyUnavailableError } from '../../core/errors.js';
import type { BreakerReport } from '../../handlers/services.js';
import { AdapterConfigError, requireIntegerInRange } from '../errors.js';
import {
  LocalCircuitBreaker,
  type BreakerState,
  type CircuitBreaker,
  type LocalCircuitBreakerOptions,
} from '../resilience/index.js';
import type { RedisGateway } from './gateway.js';
import { FINISH_PROBE, PUBLISH_OPEN } from './breaker-scripts.js';

/** Options of {@link SharedCircuitBreaker}. */
export interface SharedCircuitBreakerOptions extends LocalCircuitBreakerOptions {
  readonly redis: RedisGateway;
  /** Prefix of the state and lock keys. @default 'happy:breaker' */
  readonly keyPrefix?: string;
  /**
   * How long one read of the shared state is reused, in ms; 0 reads it on every call.
   * @default 250
   */
  readonly syncIntervalMs?: number;
  /**
   * Lifetime of the half-open lock, in ms; longer than the slowest call it guards.
   * @default 10000
   */
  readonly probeLockMs?: number;
  /** Id of this instance in the lock. @default a random UUID */
  readonly instanceId?: string;
}

/** The breaker state all instances share: open since a time, or closed since a time. */
type SharedState =
  | { readonly open: true; readonly openedAt: number }
  | { readonly open: false; readonly closedAt: number };

/** How long the shared state outlives its last change: ten minutes, then it reads as closed. */
const STATE_TTL_MS = 600_000;

/**
 * A circuit breaker whose state is shared by every instance (every Lambda execution
 * environment) through Redis. Each instance counts failures in its own {@link LocalCircuitBreaker};
 * when that opens, it publishes "open" and every instance fails fast. After `halfOpenAfterMs`,
 * the one instance that wins a `SET NX PX` lock runs a single test call, while the others keep
 * failing fast. The outcome of that call closes or reopens the breaker for all.
 *
 * When Redis is unavailable, each instance falls back to its own breaker. When an instance's
 * own breaker is open but the shared state was closed later (another instance's test call
 * passed), the own breaker is closed to match.
 *
 * NOTE: open and closed times come from each instance's clock; a skew between instances shifts
 * when the half-open test happens by that skew.
 */
export class SharedCircuitBreaker implements CircuitBreaker {
  readonly name: string;
  private readonly local: LocalCircuitBreaker;
  private readonly redis: RedisGateway;
  private readonly halfOpenAfterMs: number;
  private readonly syncIntervalMs: number;
  private readonly probeLockMs: number;
  private readonly instanceId: string;
  private readonly stateKey: string;
  private readonly probeKey: string;
  private readonly isFailure: (error: unknown) => boolean;
  private cached: { state: SharedState; readAt: number } | undefined;
  private localOpenedAt = 0;
  private probing = false;

  /** @throws {AdapterConfigError} when an option is out of range. */
  constructor(name: string, options: SharedCircuitBreakerOptions) {
    this.name = name;
    this.local = new LocalCircuitBreaker(name, options);
    this.redis = options.redis;
    this.halfOpenAfterMs = options.halfOpenAfterMs ?? 1000;
    this.syncIntervalMs = requireIntegerInRange(
      'syncIntervalMs',
      options.syncIntervalMs ?? 250,
      0,
      60_000,
    );
    this.probeLockMs = requireIntegerInRange(
      'probeLockMs',
      options.probeLockMs ?? 10_000,
      1,
      600_000,
    );
    this.instanceId = options.instanceId ?? randomUUID();
    if (name.includes('}')) {
      throw new AdapterConfigError('name', `must not contain "}", received "${name}".`);
    }
    const prefix = options.keyPrefix ?? 'happy:breaker';
    this.stateKey = `${prefix}:{${name}}:state`;
    this.probeKey = `${prefix}:{${name}}:probe`;
    this.isFailure = (error) => error instanceof TaskCancelledError || options.isFailure(error);
    this.local.onStateChange((state) => {
      if (state === 'open') this.localOpenedAt = Date.now();
    });
  }

  get state(): BreakerState {
    if (this.probing) return 'half-open';
    const shared = this.cached?.state;
    return shared?.open ? 'open' : this.local.state;
  }

  async execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    const shared = await this.readShared();
    if (shared === undefined) return this.local.execute(fn, signal);
    if (!shared.open) return this.runClosed(fn, signal, shared.closedAt);
    if (Date.now() - shared.openedAt < this.halfOpenAfterMs) throw new BrokenCircuitError();
    return this.runProbe(fn, signal);
  }

  report(): BreakerReport {
    return { ...this.local.report(), state: this.state };
  }

  /** Runs through the local breaker, publishing when it opens; syncs it to a later close. */
  private async runClosed<T>(
    fn: (signal: AbortSignal) => Promise<T>,
    signal: AbortSignal,
    closedAt: number,
  ): Promise<T> {
    if (this.local.state !== 'closed') {
      if (this.localOpenedAt <= closedAt) this.local.reset();
      else if (await this.publishOpen(this.localOpenedAt)) throw new BrokenCircuitError();
    }
    try {
      return await this.local.execute(fn, signal);
    } finally {
      if (this.local.state === 'open') await this.publishOpen(this.localOpenedAt);
    }
  }

  /** Runs the one test call across instances, or fails fast when another instance runs it. */
  private async runProbe<T>(fn: (signal: AbortSignal) => Promise<T>, signal: AbortSignal) {
    const token = `${this.instanceId}:${randomUUID()}`;
    const locked = await this.tryRedis(() =>
      this.redis.set(this.probeKey, token, { pxMs: this.probeLockMs, nx: true }),
    );
    if (locked === undefined) return this.local.execute(fn, signal);
    if (!locked) throw new BrokenCircuitError();

    this.probing = true;
    try {
      const result = await fn(signal);
      await this.finishProbe(token, true);
      return result;
    } catch (error) {
      await this.finishProbe(token, !this.isFailure(error));
      throw error;
    } finally {
      this.probing = false;
    }
  }

  private async finishProbe(token: string, healthy: boolean): Promise<void> {
    const now = Date.now();
    const state: SharedState = healthy
      ? { open: false, closedAt: now }
      : { open: true, openedAt: now };
    const keys = [this.stateKey, this.probeKey];
    const args = [token, JSON.stringify(state), String(STATE_TTL_MS)];
    await this.tryRedis(() => this.redis.runScript(FINISH_PROBE, keys, args, true));
    this.cached = { state, readAt: now };
    if (healthy) this.local.reset();
  }

  /**
   * Publishes that this instance's breaker opened. Returns true when the shared state is open
   * afterwards, false when Redis failed or a later close won.
   */
  private async publishOpen(openedAt: number): Promise<boolean> {
    const state: SharedState = { open: true, openedAt };
    const args = [String(openedAt), JSON.stringify(state), String(STATE_TTL_MS)];
    const reply = await this.tryRedis(() =>
      this.redis.runScript(PUBLISH_OPEN, [this.stateKey], args, true),
    );
    // The next call reads the state again rather than trusting this instance's view of it.
    this.cached = undefined;
    return reply === 1;
  }

  /** Returns the shared state, or undefined when Redis is unavailable. */
  private async readShared(): Promise<SharedState | undefined> {
    const now = Date.now();
    if (this.cached && now - this.cached.readAt < this.syncIntervalMs) return this.cached.state;
    const value = await this.tryRedis(() => this.redis.get(this.stateKey));
    if (value === undefined) return undefined;

    const state: SharedState = value === null ? { open: false, closedAt: 0 } : JSON.parse(value);
    this.cached = { state, readAt: now };
    return state;
  }

  /** Runs a Redis call; returns undefined when Redis is unavailable. */
  private async tryRedis<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof DependencyUnavailableError) return undefined;
      throw error;
    }
  }
}
