/** Result of one active health check. */
export interface CheckResult {
  readonly ok: boolean;
  readonly status?: number;
  readonly error?: string;
  readonly latencyMs: number;
  /** Time the check finished, in milliseconds since the epoch. */
  readonly at: number;
}

/** Changes caused by one recorded result. */
export interface HealthChange {
  /** The result differs from the previous one in `ok`, `status` or `error`. */
  readonly resultChanged: boolean;
  /** Set when the target crossed a threshold. */
  readonly transition?: 'healthy' | 'unhealthy';
}

/** Thresholds of a {@link HealthTracker}. */
export interface HealthThresholds {
  readonly failureThreshold: number;
  readonly successThreshold: number;
}

/**
 * Health state of one target from active checks and from failures of live traffic. A target
 * starts healthy, becomes unhealthy after `failureThreshold` failed checks in a row (or at once
 * through {@link markDown}) and healthy again after `successThreshold` passing checks in a row.
 */
export class HealthTracker {
  healthy = true;
  consecutiveFailures = 0;
  consecutiveSuccesses = 0;
  lastResult: CheckResult | undefined;
  /** Time of the last change of `healthy`. */
  lastTransition: number;
  /** Time of the first failure of the current failure streak. */
  firstFailureAt: number | undefined;
  /** Time of the first pass of the current success streak. */
  firstSuccessAt: number | undefined;
  readonly #thresholds: HealthThresholds;

  constructor(thresholds: HealthThresholds, now: number) {
    this.#thresholds = thresholds;
    this.lastTransition = now;
  }

  /** Records one check result and returns what it changed. */
  record(result: CheckResult): HealthChange {
    const previous = this.lastResult;
    const resultChanged =
      previous === undefined ||
      previous.ok !== result.ok ||
      previous.status !== result.status ||
      previous.error !== result.error;
    this.lastResult = result;

    return { resultChanged, transition: result.ok ? this.#pass(result.at) : this.#fail(result.at) };
  }

  /** Marks the target unhealthy at once, as after a refused connection on live traffic. */
  markDown(at: number): boolean {
    this.firstFailureAt ??= at;
    this.consecutiveSuccesses = 0;
    this.firstSuccessAt = undefined;
    if (!this.healthy) {
      return false;
    }

    this.healthy = false;
    this.lastTransition = at;
    return true;
  }

  #pass(at: number): 'healthy' | undefined {
    this.consecutiveFailures = 0;
    this.firstFailureAt = undefined;
    this.consecutiveSuccesses += 1;
    this.firstSuccessAt ??= at;
    if (this.healthy || this.consecutiveSuccesses < this.#thresholds.successThreshold) {
      return undefined;
    }

    this.healthy = true;
    this.lastTransition = at;
    return 'healthy';
  }

  #fail(at: number): 'unhealthy' | undefined {
    this.consecutiveSuccesses = 0;
    this.firstSuccessAt = undefined;
    this.consecutiveFailures += 1;
    this.firstFailureAt ??= at;
    if (!this.healthy || this.consecutiveFailures < this.#thresholds.failureThreshold) {
      return undefined;
    }

    this.healthy = false;
    this.lastTransition = at;
    return 'unhealthy';
  }
}

/**
 * Runs a check function every `intervalMs`, measured from the start of one check to the start
 * of the next, and never two at once.
 */
export class HealthCheckLoop {
  readonly #check: () => Promise<void>;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(check: () => Promise<void>, intervalMs: number) {
    this.#check = check;
    this.#intervalMs = intervalMs;
  }

  /** Starts checking; the first check runs at once. */
  start(): void {
    if (this.#running) {
      return;
    }
    this.#running = true;
    this.#schedule(0);
  }

  /** Stops checking; a check in flight finishes but schedules no other. */
  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
  }

  // The check function reports its own errors; `finally` keeps the loop going if it throws.
  async #tick(): Promise<void> {
    const started = performance.now();
    try {
      await this.#check();
    } finally {
      if (this.#running) {
        const elapsed = performance.now() - started;
        this.#schedule(Math.max(0, this.#intervalMs - elapsed));
      }
    }
  }
}
