import { UPSTREAM_PEER, type ReplicationService } from '../../lambdas/core/index.js';
import type { AppLogger } from '../../lambdas/ports/index.js';
import { ReplicationPeerError, ReplicationSettingsError } from './errors.js';
import { RepeatingStep, type StepResult } from './loop.js';
import type { ReplicationMonitor } from './monitor.js';
import type { ReplicationPeerClient } from './peer-client.js';

/** Options of {@link Replicator}. */
export interface ReplicatorOptions {
  /** This node's replication service. */
  readonly service: ReplicationService;
  /** Client of the upstream, the cloud. */
  readonly upstream: ReplicationPeerClient;
  readonly monitor: ReplicationMonitor;
  readonly logger: AppLogger;
  /** Changes per pulled page and per drained batch, 1 to 1000. @default 100 */
  readonly batchSize?: number;
  /** Wait between pulls once the upstream's feed is read to its end. @default 250 */
  readonly pullIdleMs?: number;
  /** Wait between looks at an empty outbox. @default 100 */
  readonly drainIdleMs?: number;
  /**
   * Maximum wait after failed calls. It bounds how long the drain takes to notice that the
   * upstream is back, which delays the flip back to it. @default 1000
   */
  readonly maxBackoffMs?: number;
}

/** Failures in a row after which a loop logs again, so an outage does not flood the log. */
const LOG_EVERY_FAILURES = 50;

/**
 * Keeps a node in step with its upstream with two loops:
 *
 * - The pull loop reads the upstream's change feed after a persisted cursor, leaves out the
 *   changes this node wrote and applies the rest. Only then does it store the new cursor, so a
 *   crash re-applies at most one page, which changes nothing.
 * - The drain loop sends this node's own changes after the drained seq (its outbox) to the
 *   upstream's apply endpoint in batches. It stores the new drained seq only after the upstream
 *   responded, so a crash re-sends at most the last batch, which the upstream ignores.
 *
 * Changes a node received never go back to their origin: the pull skips this node's own changes
 * and the drain sends nothing else.
 */
export class Replicator {
  private readonly batchSize: number;
  private readonly pullLoop: RepeatingStep;
  private readonly drainLoop: RepeatingStep;
  private pullCursor: string | null | undefined;
  private drainedSeq: number | undefined;
  /** True once any call reached the upstream since this replicator was made. */
  private upstreamReached = false;

  /** @throws {ReplicationSettingsError} when `batchSize` is not an integer from 1 to 1000. */
  constructor(private readonly options: ReplicatorOptions) {
    this.batchSize = options.batchSize ?? 100;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > 1000) {
      throw new ReplicationSettingsError('batchSize', this.batchSize, 'an integer from 1 to 1000');
    }
    const backoff = { initialBackoffMs: 100, maxBackoffMs: options.maxBackoffMs ?? 1000 };
    this.pullLoop = new RepeatingStep({
      step: () => this.pullOnce(),
      idleMs: options.pullIdleMs ?? 250,
      onError: (error) => this.onError('pull', error),
      ...backoff,
    });
    this.drainLoop = new RepeatingStep({
      step: () => this.drainOnce(),
      idleMs: options.drainIdleMs ?? 100,
      onError: (error) => this.onError('drain', error),
      ...backoff,
    });
  }

  /** Starts both loops. */
  start(): void {
    this.pullLoop.start();
    this.drainLoop.start();
    this.options.logger.info('Replication started.', { batchSize: this.batchSize });
  }

  /** Stops both loops after their current step. */
  async stop(): Promise<void> {
    await Promise.all([this.pullLoop.stop(), this.drainLoop.stop()]);
    this.options.logger.info('Replication stopped.');
  }

  /** Pulls and applies one page of the upstream's feed. */
  async pullOnce(): Promise<StepResult> {
    const { service, upstream, monitor } = this.options;
    // Null means the start of the feed, so only undefined reads the store.
    if (this.pullCursor === undefined) {
      this.pullCursor = await service.readPullCursor(UPSTREAM_PEER);
    }
    let page;
    try {
      page = await upstream.readChanges(this.pullCursor, this.batchSize, service.nodeId);
    } catch (error) {
      if (!(error instanceof ReplicationPeerError) || error.peerCode !== 'cursor_from_other_feed') {
        throw error;
      }
      this.options.logger.warn('The upstream has a new change feed; reading it from the start.');
      this.pullCursor = null;
      return 'more';
    }

    const changes = page.changes.filter((entry) => entry.origin !== service.nodeId);
    if (changes.length > 0) await service.apply(changes.map((entry) => entry.change));
    this.upstreamReached = true;
    await service.writePullCursor(UPSTREAM_PEER, page.nextCursor);
    this.pullCursor = page.nextCursor;
    monitor.pullSucceeded(changes.length, !page.more);
    return page.more ? 'more' : 'idle';
  }

  /** Sends one batch of the outbox to the upstream. */
  async drainOnce(): Promise<StepResult> {
    const { service, upstream, monitor } = this.options;
    this.drainedSeq ??= await service.readDrainedSeq(UPSTREAM_PEER);
    const page = await service.readOutbox(this.drainedSeq, this.batchSize);
    if (page.entries.length > 0) {
      await upstream.apply(page.entries.map((entry) => entry.change));
      this.upstreamReached = true;
      monitor.drainSucceeded(page.entries.length);
    }
    if (page.nextSeq !== this.drainedSeq) {
      await service.writeDrainedSeq(UPSTREAM_PEER, page.nextSeq);
      this.drainedSeq = page.nextSeq;
    }
    return page.more ? 'more' : 'idle';
  }

  private onError(loop: 'pull' | 'drain', error: unknown): void {
    const { monitor, logger } = this.options;
    if (loop === 'pull') monitor.pullFailed(error);
    else monitor.drainFailed(error);
    const failures = monitor.report().find((link) => link.name === loop)?.consecutive_failures;
    if (failures === 1 || (failures as number) % LOG_EVERY_FAILURES === 0) {
      const message = error instanceof Error ? error.message : String(error);
      if (failures === 1 && !this.upstreamReached) {
        // Usual at start, when the edge comes up before its upstream; later failures warn.
        logger.info('Upstream not reached yet; retrying with backoff.', {
          loop,
          error: message,
        });
        return;
      }
      logger.warn('Replication call failed; retrying with backoff.', {
        loop,
        failures,
        error: message,
      });
    }
  }
}
