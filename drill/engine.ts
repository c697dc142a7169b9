import { pino, type Logger } from 'pino';
import type { AwsSettings } from './aws-faults.js';
import { DrillError } from './errors.js';
import { DrillHttp } from './http.js';
import { UndoJournal, undoPending, type UndoResult } from './journal.js';
import type { DrillOptions } from './options.js';
import { assembleReport } from './report/assemble.js';
import type { DrillReport } from './report/types.js';
import { writeReport } from './report/write.js';
import { DrillRun } from './run.js';
import { connectRemoteTarget, startLocalTarget } from './targets.js';
import type { PhaseName, Sample } from './traffic.js';
import { createUndoers } from './undo.js';
import { loadLocomoWorkload, syntheticWorkload, type Workload } from './workload/index.js';

/** Steps of a drill, reported to the observer as they start. */
export type DrillStage = 'restore' | 'start' | 'setup' | PhaseName | 'verify' | 'stop';

/** Receives progress while a drill runs. */
export interface DrillObserver {
  /** A step starts; `durationMs` is the planned length of a phase. */
  stage?(stage: DrillStage, detail: { durationMs?: number; message?: string }): void;
  /** A request of the traffic finished. */
  sample?(sample: Sample): void;
}

/** Settings of {@link runDrill} that do not come from the command line. */
export interface RunSettings {
  readonly observer?: DrillObserver;
  /** Aborting ends the current phase, restores everything and reports what was measured. */
  readonly signal?: AbortSignal;
  /** Logger of the local router and topology. @default silent */
  readonly logger?: Logger;
  /** Credentials of the AWS APIs. @default the SDK's default chain */
  readonly awsCredentials?: AwsSettings['credentials'];
  /** Turns kept per LoCoMo conversation, to shorten a drill. @default all */
  readonly maxTurnsPerConversation?: number;
}

/**
 * Runs one drill: restores anything a crashed drill left in the journal, starts or connects to
 * the target, writes the workload, then sends traffic through warmup, outage and recovery while
 * the fault is injected and cleared. Afterwards it reads every acknowledged write back from the
 * primary, restores every change, and writes `report.json` and `report.html`.
 *
 * @throws {DrillError} when the journal cannot be replayed, the target does not start, or the
 *   fault is not available; everything started until then is stopped first.
 */
export async function runDrill(
  options: DrillOptions,
  settings: RunSettings = {},
): Promise<DrillReport> {
  const startedAt = new Date();
  const origin = performance.now();
  const clock = () => performance.now() - origin;
  const observer = settings.observer ?? {};
  const http = new DrillHttp();
  const journal = new UndoJournal(options.reportDir);
  const undoers = createUndoers({
    http,
    adminToken: options.remote?.adminToken,
    credentials: settings.awsCredentials,
  });
  try {
    observer.stage?.('restore', {});
    const replay = await undoPending(journal, undoers);
    if (replay.failed.length > 0) {
      throw new DrillError(
        `A crashed drill left changes that could not be restored:\n  ${replay.failed.join('\n  ')}`,
      );
    }
    const workload = loadWorkload(options, settings);
    observer.stage?.('start', { message: options.target });
    const logger = settings.logger ?? pino({ level: 'silent' });
    const target =
      options.target === 'local'
        ? await startLocalTarget(journal, logger, http)
        : await connectRemoteTarget(
            options.target,
            options.remote!,
            http,
            journal,
            settings.awsCredentials,
          );
    const run = new DrillRun(options, settings, {
      http,
      journal,
      clock,
      target,
      workload,
      startedAt,
    });
    let undo: UndoResult = { restored: [], failed: [] };
    try {
      await run.execute();
    } finally {
      await run.stop();
      undo = await undoPending(journal, undoers);
    }
    const report = assembleReport(run.record(undo));
    writeReport(options.reportDir, report);
    return report;
  } finally {
    await http.close();
  }
}

function loadWorkload(options: DrillOptions, settings: RunSettings): Workload {
  const agentPrefix = `d${Date.now().toString(36)}`;
  if (options.workload === null) return syntheticWorkload({ agents: options.agents, agentPrefix });
  return loadLocomoWorkload(options.workload, {
    maxAgents: options.agents,
    agentPrefix,
    maxTurnsPerConversation: settings.maxTurnsPerConversation,
  });
}
