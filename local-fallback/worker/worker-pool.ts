import type { TaskRunner } from '../../lambdas/core/task-runner.js';
import type { TaskService } from '../../lambdas/core/tasks.js';
import type { AppLogger, LeasedTaskMessage, TaskQueue } from '../../lambdas/ports/index.js';

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  readonly runner: TaskRunner;
  readonly queue: TaskQueue;
  /** Used to enqueue again the tasks a crash left without a message. */
  readonly tasks: TaskService;
  readonly logger: AppLogger;
  /** Attempts run at once by this process. @default 4 */
  readonly concurrency?: number;
  /** Attempts of one agent run at once; the agent's further messages wait. @default 2 */
  readonly maxRunningPerAgent?: number;
  /** Wait between polls of an empty queue, in milliseconds. @default 250 */
  readonly pollIntervalMs?: number;
  /** Lease of a received message until its task type's lease replaces it. @default 10000 */
  readonly receiveLeaseMs?: number;
  /** Interval of the search for stale tasks, and their minimum age. @default 60000 */
  readonly requeueIntervalMs?: number;
  /** Time {@link WorkerPool.stop} waits for running attempts. @default 10000 */
  readonly stopGraceMs?: number;
}

/** Delay before a message of an agent at its concurrency limit is offered again. */
const AGENT_BUSY_DELAY_MS = 1000;

/**
 * Runs tasks in this process: polls the queue, hands each message to the runner and keeps at
 * most `concurrency` attempts running. A task that was running when the process died runs again
 * after a restart, because its lease in the queue ends and the message becomes visible.
 */
export class WorkerPool {
  private readonly options: Required<WorkerPoolOptions>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly runningByAgent = new Map<string, number>();
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private requeueTimer: NodeJS.Timeout | null = null;

  /** @throws {Error} when a count or interval is not a positive integer. */
  constructor(options: WorkerPoolOptions) {
    this.options = {
      ...options,
      concurrency: options.concurrency ?? 4,
      maxRunningPerAgent: options.maxRunningPerAgent ?? 2,
      pollIntervalMs: options.pollIntervalMs ?? 250,
      receiveLeaseMs: options.receiveLeaseMs ?? 10_000,
      requeueIntervalMs: options.requeueIntervalMs ?? 60_000,
      stopGraceMs: options.stopGraceMs ?? 10_000,
    };
    for (const key of ['concurrency', 'maxRunningPerAgent', 'pollIntervalMs'] as const) {
      const value = this.options[key];
      if (!Number.isInteger(value) || value < 1) {
        throw new Error(`Invalid worker pool option ${key}: ${value}; expected an integer >= 1.`);
      }
    }
  }

  /** Number of attempts running now. */
  get activeCount(): number {
    return this.inFlight.size;
  }

  /** Starts polling. Calling it on a started pool does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.pollLoop();
    void this.requeueStale();
    this.requeueTimer = setInterval(() => void this.requeueStale(), this.options.requeueIntervalMs);
    this.options.logger.info('Task workers started.', {
      concurrency: this.options.concurrency,
      maxRunningPerAgent: this.options.maxRunningPerAgent,
    });
  }

  /**
   * Stops polling and waits up to `stopGraceMs` for running attempts. Attempts still running
   * then are left to their leases: after a restart they run again.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.requeueTimer) clearInterval(this.requeueTimer);
    this.wake?.();
    await this.loop;

    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.stopGraceMs);
    });
    await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
    clearTimeout(timer);
    this.options.logger.info('Task workers stopped.', { abandoned: this.inFlight.size });
  }

  private async pollLoop(): Promise<void> {
    while (this.running) {
      const free = this.options.concurrency - this.inFlight.size;
      let received = 0;
      if (free > 0) received = await this.receiveAndDispatch(free);
      // A full batch suggests more messages are visible, so poll again at once.
      if (this.running && (free === 0 || received < free)) {
        await this.idle(this.options.pollIntervalMs);
      }
    }
  }

  private async receiveAndDispatch(free: number): Promise<number> {
    try {
      const messages = await this.options.queue.receive(free, this.options.receiveLeaseMs);
      for (const message of messages) await this.dispatch(message);
      return messages.length;
    } catch (error) {
      this.options.logger.error('Could not receive task messages.', { error: String(error) });
      return 0;
    }
  }

  private async dispatch(message: LeasedTaskMessage): Promise<void> {
    const { agentId } = message;
    const agentRunning = this.runningByAgent.get(agentId) ?? 0;
    if (agentRunning >= this.options.maxRunningPerAgent) {
      await this.options.queue.release(message.receipt, AGENT_BUSY_DELAY_MS);
      return;
    }

    this.runningByAgent.set(agentId, agentRunning + 1);
    const work = this.options.runner
      .process(message)
      .then(() => undefined)
      .catch((error: unknown) => {
        this.options.logger.error('Task processing failed; the message returns after its lease.', {
          taskId: message.taskId,
          agentId,
          error: String(error),
        });
      })
      .finally(() => {
        const count = (this.runningByAgent.get(agentId) ?? 1) - 1;
        if (count > 0) this.runningByAgent.set(agentId, count);
        else this.runningByAgent.delete(agentId);
        this.inFlight.delete(work);
        this.wake?.();
      });
    this.inFlight.add(work);
  }

  /** Waits `ms`, or less when an attempt finishes or the pool stops. */
  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async requeueStale(): Promise<void> {
    try {
      const count = await this.options.tasks.requeueStale(this.options.requeueIntervalMs);
      if (count > 0) this.options.logger.warn('Enqueued stale tasks again.', { count });
    } catch (error) {
      this.options.logger.error('Could not enqueue stale tasks again.', { error: String(error) });
    }
  }
}
