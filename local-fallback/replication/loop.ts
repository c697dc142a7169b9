import { setTimeout as sleep } from 'node:timers/promises';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';

/** Outcome of one step of a {@link RepeatingStep}: more work waiting, or none for now. */
export type StepResult = 'more' | 'idle';

/** Options of {@link RepeatingStep}. */
export interface RepeatingStepOptions {
  /** Runs one unit of work. */
  readonly step: () => Promise<StepResult>;
  /** Wait after a step that found no work, in milliseconds. */
  readonly idleMs: number;
  /** First wait after a failed step; it doubles with jitter on each further failure. */
  readonly initialBackoffMs: number;
  /** Maximum wait after failed steps. */
  readonly maxBackoffMs: number;
  /** Receives each failure of a step; the loop goes on after the backoff. */
  readonly onError: (error: unknown) => void;
}

/**
 * Runs a step over and over until stopped: again at once after `more`, after `idleMs` after
 * `idle`, and after an exponential backoff with decorrelated jitter (cockatiel) after a failure.
 */
export class RepeatingStep {
  private readonly backoff: ExponentialBackoff<unknown>;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;
  private wake: AbortController | null = null;

  constructor(private readonly options: RepeatingStepOptions) {
    this.backoff = new ExponentialBackoff({
      initialDelay: options.initialBackoffMs,
      maxDelay: options.maxBackoffMs,
    });
  }

  /** Starts the loop; calling it again does nothing. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Cuts the current wait short, so the next step runs now. */
  nudge(): void {
    this.wake?.abort();
  }

  /** Stops the loop after the step in progress, if any, and waits for it. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures: IBackoff<unknown> | undefined;
    while (!this.stopping.signal.aborted) {
      try {
        const result = await this.options.step();
        failures = undefined;
        if (result === 'idle') await this.pause(this.options.idleMs);
      } catch (error) {
        this.options.onError(error);
        failures = failures ? failures.next(undefined) : this.backoff.next();
        await this.pause(failures.duration);
      }
    }
  }

  private async pause(ms: number): Promise<void> {
    this.wake = new AbortController();
    const signal = AbortSignal.any([this.stopping.signal, this.wake.signal]);
    await sleep(ms, undefined, { signal }).catch(() => undefined);
    this.wake = null;
  }
}
