import { setTimeout as sleep } from 'node:timers/promises';
import type { DrillHttp } from './http.js';

/** One reading of the edge's replication status. */
export interface OutboxReading {
  /** Milliseconds since the drill's clock started. */
  readonly at: number;
  /** Changes in the edge outbox not yet applied by the cloud, or null when the read failed. */
  readonly pending: number | null;
}

/** Polls the edge's replication status until stopped. */
export class OutboxMonitor {
  readonly readings: OutboxReading[] = [];
  private stopped = false;
  private loop: Promise<void> | null = null;

  /** @param intervalMs time between two reads. @default 100 */
  constructor(
    private readonly http: DrillHttp,
    private readonly edgeUrl: () => string,
    private readonly token: string,
    private readonly clock: () => number,
    private readonly intervalMs = 100,
  ) {}

  /** Starts polling. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops polling and waits for the read in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** Reads the outbox once; null when the edge returns no status. */
  async read(): Promise<number | null> {
    const response = await readOutbox(this.http, this.edgeUrl(), this.token);
    this.readings.push({ at: this.clock(), pending: response });
    return response;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.read();
      await sleep(this.intervalMs);
    }
  }
}

/** Returns the number of changes pending in the edge outbox, or null when it cannot be read. */
export async function readOutbox(
  http: DrillHttp,
  edgeUrl: string,
  token: string,
): Promise<number | null> {
  const response = await http.send(edgeUrl, 'GET', '/internal/v1/replication/status', {
    token,
    timeoutMs: 2000,
  });
  const pending = response.json?.outbox?.pending;
  return response.status === 200 && typeof pending === 'number' ? pending : null;
}

/**
 * Polls `url`/health until it returns 200 and resolves with the clock time of that response, or
 * with null after `timeoutMs`.
 */
export async function waitUntilHealthy(
  http: DrillHttp,
  url: string,
  clock: () => number,
  timeoutMs: number,
): Promise<number | null> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const response = await http.send(url, 'GET', '/health', { timeoutMs: 1000 });
    if (response.status === 200) return clock();
    await sleep(50);
  }
  return null;
}
