import { setTimeout as sleep } from 'node:timers/promises';
import type { RunSettings } from './engine.js';
import { DrillTargetError, FaultNotAvailableError } from './errors.js';
import { measureFailover, type FaultTimes } from './failover.js';
import type { ActiveFault, FaultDriver } from './fault-types.js';
import { createFaultDriver } from './faults.js';
import type { DrillHttp } from './http.js';
import type { UndoJournal } from './journal.js';
import { OutboxMonitor, readOutbox, waitUntilHealthy } from './monitors.js';
import { DEPENDENCIES, type DependencyName, type DrillOptions } from './options.js';
import type { DrillRecord } from './report/assemble.js';
import { RouterEventStream } from './router-events.js';
import { setupWorkload, type SetupResult } from './setup.js';
import type { DrillTarget } from './targets.js';
import { Traffic } from './traffic.js';
import { verifyWrites, type WritesCheck } from './verify.js';
import type { Workload } from './workload/index.js';

/** Time allowed for the edge outbox to drain before writes are read back. */
const DRAIN_TIMEOUT_MS = 30_000;

/** Parts a run shares with `runDrill`: the client, the journal, the clock and the target. */
export interface RunParts {
  readonly http: DrillHttp;
  readonly journal: UndoJournal;
  readonly clock: () => number;
  readonly target: DrillTarget;
  readonly workload: Workload;
  readonly startedAt: Date;
}

/** State of one drill between the target's start and its stop. */
export class DrillRun {
  private readonly windows = {
    warmup: { start: 0, end: 0 },
    outage: { start: 0, end: 0 },
    recovery: { start: 0, end: 0 },
  };
  private times: FaultTimes = { faultAt: null, clearAt: null, healthyAt: null };
  private setup: SetupResult | null = null;
  private traffic: Traffic | null = null;
  private events: RouterEventStream | null = null;
  private readonly outbox: OutboxMonitor;
  private driver: FaultDriver | null = null;
  private active: ActiveFault | null = null;
  private faultDescription: string | null = null;
  private writes: WritesCheck | null = null;
  private dependencies: Record<string, unknown> = {};
  private readonly errors: string[] = [];

  constructor(
    private readonly options: DrillOptions,
    private readonly settings: RunSettings,
    private readonly parts: RunParts,
  ) {
    const { http, target, clock } = parts;
    this.outbox = new OutboxMonitor(http, () => target.edgeUrl, target.replicationToken, clock);
  }

  /** Prepares the fault and the workload, then runs the three phases and the write check. */
  async execute(): Promise<void> {
    const { http, journal, target, workload, clock } = this.parts;
    const observer = this.settings.observer ?? {};
    const remainingMs = this.options.outageMs + this.options.recoveryMs;
    this.driver = createFaultDriver(this.options.fault, { target, http, journal, remainingMs });
    await this.checkAvailable();
    this.events = await RouterEventStream.open(target.apiUrl, target.adminToken, clock);

    observer.stage?.('setup', {
      message: `${workload.agents.length} agents, ${workload.turns.length} writes`,
    });
    this.setup = await setupWorkload(http, target.apiUrl, target.adminToken, workload);
    this.traffic = new Traffic({
      http,
      apiUrl: target.apiUrl,
      rate: this.options.rate,
      setup: this.setup,
      questions: workload.questions,
      clock,
    });
    if (observer.sample) this.traffic.onSample(observer.sample);
    this.outbox.start();

    await this.runPhases();
    if (this.aborted()) return;
    observer.stage?.('verify', {});
    this.writes = await this.verify();
    this.dependencies = await target.dependencies.describe();
  }

  private async checkAvailable(): Promise<void> {
    const fault = this.options.fault;
    if (!(DEPENDENCIES as readonly string[]).includes(fault)) return;
    const reason = await this.parts.target.dependencies
      .unavailableReason(fault as DependencyName)
      .catch((error: unknown) => {
        // The AWS SDK throws its own errors, for example without credentials.
        throw new DrillTargetError(
          `Checking --fault ${fault} failed: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      });
    if (reason !== null) {
      throw new FaultNotAvailableError(
        `--fault ${fault} is not available on --target ${this.options.target}: ${reason}`,
      );
    }
  }

  private async runPhases(): Promise<void> {
    await this.warmup();
    if (this.aborted()) return;
    await this.outage();
    if (this.aborted()) return;
    await this.recovery();
    await (this.traffic as Traffic).stop();
  }

  private async warmup(): Promise<void> {
    const { clock } = this.parts;
    this.settings.observer?.stage?.('warmup', { durationMs: this.options.warmupMs });
    this.windows.warmup.start = clock();
    (this.traffic as Traffic).start();
    await this.wait(this.options.warmupMs);
    this.windows.warmup.end = clock();
  }

  /** Injects the fault; requests sent from just before the injection on count as the outage. */
  private async outage(): Promise<void> {
    const { clock } = this.parts;
    this.settings.observer?.stage?.('outage', { durationMs: this.options.outageMs });
    const faultAt = clock();
    this.times = { ...this.times, faultAt };
    this.windows.outage.start = faultAt;
    (this.traffic as Traffic).setPhase('outage');
    await this.checkPrimaryServing();
    this.active = await (this.driver as FaultDriver).inject();
    this.faultDescription = this.active.description;
    await this.wait(this.options.outageMs - (clock() - faultAt));
    this.windows.outage.end = clock();
  }

  /**
   * Records an error when the router already sends traffic to the edge as the fault starts, for
   * example after a false failover in the warm-up: the drill then cannot time this fault.
   */
  private async checkPrimaryServing(): Promise<void> {
    const { http, target } = this.parts;
    const status = await http.send(target.apiUrl, 'GET', '/router/status', {
      token: target.adminToken,
    });
    const active: unknown = status.json?.active;
    if (status.status === 200 && active !== 'primary') {
      this.errors.push(
        `The router was sending traffic to the ${String(active)} target when the fault started, ` +
          'so detection and recovery times do not measure this fault; see /router/events in ' +
          'the log for the earlier flip.',
      );
    }
  }

  /** Clears the fault, notes when the primary's own health check passes, and keeps sending. */
  private async recovery(): Promise<void> {
    const { clock, http, target } = this.parts;
    this.settings.observer?.stage?.('recovery', { durationMs: this.options.recoveryMs });
    const clearAt = clock();
    this.windows.recovery.start = clearAt;
    this.times = { ...this.times, clearAt };
    (this.traffic as Traffic).setPhase('recovery');
    await this.clearFault();
    const healthyAt = await waitUntilHealthy(
      http,
      target.primaryUrl,
      clock,
      this.options.recoveryMs,
    );
    this.times = { ...this.times, healthyAt };
    await this.wait(this.options.recoveryMs - (clock() - clearAt));
    this.windows.recovery.end = clock();
  }

  /** Waits for the edge outbox to drain, then reads every acknowledged write from the primary. */
  private async verify(): Promise<WritesCheck> {
    const { http, target } = this.parts;
    const deadline = performance.now() + DRAIN_TIMEOUT_MS;
    let pending = await readOutbox(http, target.edgeUrl, target.replicationToken);
    while (pending !== 0 && performance.now() < deadline) {
      await sleep(100);
      pending = await readOutbox(http, target.edgeUrl, target.replicationToken);
    }
    const acks = [...(this.setup?.acks ?? []), ...(this.traffic?.acks ?? [])];
    return verifyWrites(
      http,
      target.primaryUrl,
      this.setup?.tokens ?? new Map(),
      acks,
      pending,
      this.traffic?.added ?? [],
    );
  }

  private async clearFault(): Promise<void> {
    const active = this.active;
    this.active = null;
    try {
      await active?.clear();
    } catch (error) {
      this.errors.push(`Clearing the fault failed: ${(error as Error).message}`);
    }
  }

  /** Stops traffic and monitors, clears a fault still active, and stops the target. */
  async stop(): Promise<void> {
    this.settings.observer?.stage?.('stop', {});
    await this.traffic?.stop();
    await this.clearFault();
    await this.outbox.stop();
    await this.events?.close();
    await this.parts.target.stop().catch((error: unknown) => {
      this.errors.push(`Stopping the target failed: ${(error as Error).message}`);
    });
  }

  /** Returns what the drill collected. */
  record(undo: { restored: readonly string[]; failed: readonly string[] }): DrillRecord {
    const samples = this.traffic?.samples ?? [];
    const failover = measureFailover(
      this.driver?.expectsFailover ?? false,
      this.times,
      this.events?.events ?? null,
      samples,
      this.outbox.readings,
    );
    return {
      options: this.options,
      startedAt: this.parts.startedAt,
      finishedAt: new Date(),
      aborted: this.aborted(),
      workload: this.parts.workload,
      setup: this.setup,
      windows: this.windows,
      samples,
      dropped: this.traffic?.dropped ?? { warmup: 0, outage: 0, recovery: 0 },
      events: this.events?.events ?? [],
      failover,
      writes: this.writes ?? notVerified(this.parts.target.primaryUrl),
      faultDescription: this.faultDescription,
      dependencies: this.dependencies,
      undo,
      errors: [...this.errors, ...undo.failed.map((failure) => `Not restored: ${failure}`)],
    };
  }

  private aborted(): boolean {
    return this.settings.signal?.aborted ?? false;
  }

  private async wait(ms: number): Promise<void> {
    if (ms <= 0) return;
    await sleep(ms, undefined, { signal: this.settings.signal }).catch(() => undefined);
  }
}

function notVerified(primaryUrl: string): WritesCheck {
  return {
    checked: false,
    acknowledged: 0,
    lost: 0,
    lost_examples: [],
    unverified: 0,
    duplicated: 0,
    keyed_records_checked: 0,
    duplicated_examples: [],
    records_checked: 0,
    read_from: primaryUrl,
    outbox_pending_at_check: null,
  };
}
