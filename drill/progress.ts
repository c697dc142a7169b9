import { SingleBar } from 'cli-progress';
import type { DrillObserver, DrillStage } from './engine.js';
import type { DrillOptions } from './options.js';
import type { Sample } from './traffic.js';

/** A drill observer that draws progress on a terminal; call {@link stop} at the end. */
export interface ProgressDisplay extends DrillObserver {
  stop(): void;
}

const STAGE_LINES: Partial<Record<DrillStage, string>> = {
  restore: 'Checking the undo journal',
  start: 'Starting the target',
  setup: 'Creating agents and writing the workload',
  verify: 'Reading every acknowledged write back from the primary',
  stop: 'Restoring and stopping',
};

/**
 * Shows one progress bar over the three phases, with the live phase, the request and error
 * counts, and which target served the last second. Steps outside the phases print one line each.
 * Without a terminal, only those lines and the phase changes are printed.
 */
export function createProgressDisplay(
  options: DrillOptions,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressDisplay {
  const totalS = Math.round((options.warmupMs + options.outageMs + options.recoveryMs) / 1000);
  const bar = new SingleBar({
    format:
      '{phase} |{bar}| {value}/{total} s | {requests} requests | {errors} errors | last second: {last}',
    stream,
    hideCursor: true,
    barsize: 30,
  });
  const counts = { requests: 0, errors: 0 };
  let recent: { arrivedAt: number; servedBy: Sample['servedBy'] }[] = [];
  let phase = 'warmup';
  let started: number | null = null;
  let timer: NodeJS.Timeout | null = null;

  const render = () => {
    const now = performance.now();
    recent = recent.filter((sample) => sample.arrivedAt >= now - 1000);
    const cloud = recent.filter((sample) => sample.servedBy === 'cloud').length;
    const edge = recent.filter((sample) => sample.servedBy === 'edge').length;
    const elapsed = started === null ? 0 : Math.min(totalS, Math.floor((now - started) / 1000));
    bar.update(elapsed, {
      phase: phase.padEnd(8),
      ...counts,
      last: `cloud ${cloud}, edge ${edge}`,
    });
  };

  return {
    stage(stage, detail) {
      if (stage === 'warmup' || stage === 'outage' || stage === 'recovery') {
        phase = stage;
        if (started === null) {
          started = performance.now();
          if (stream.isTTY) {
            bar.start(totalS, 0, { phase, requests: 0, errors: 0, last: '' });
            timer = setInterval(render, 250);
          }
        }
        if (!stream.isTTY)
          stream.write(`${stage} for ${Math.round((detail.durationMs ?? 0) / 1000)} s\n`);
        return;
      }
      const line = STAGE_LINES[stage];
      if (line === undefined) return;
      if (stage === 'stop' || stage === 'verify') this.stop();
      stream.write(`${line}${detail.message ? `: ${detail.message}` : ''}\n`);
    },
    sample(sample) {
      counts.requests += 1;
      if (!sample.ok) counts.errors += 1;
      recent.push({ arrivedAt: performance.now(), servedBy: sample.servedBy });
    },
    stop() {
      if (timer === null) return;
      clearInterval(timer);
      timer = null;
      render();
      bar.stop();
    },
  };
}
