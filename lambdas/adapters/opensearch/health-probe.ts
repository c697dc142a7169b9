import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import type { HealthCheckResult, HealthProbe } from '../../ports/index.js';
import type { OpenSearchGateway } from './gateway.js';

/**
 * Proves OpenSearch works by writing a document and reading it back in real time. The probe
 * runs behind the same breaker as the adapters and is never retried, so an open breaker fails
 * the check at once: `/health` turns unhealthy and the router sends traffic to the edge. Once
 * the breaker's pause is over, the probe itself is the test call that can close it again.
 */
export class OpenSearchHealthProbe implements HealthProbe {
  readonly name = 'opensearch';
  private readonly gateway: OpenSearchGateway;
  private readonly documentId: string;

  /** @param nodeId written into the probe document's id, one document per node. @default 'cloud' */
  constructor(gateway: OpenSearchGateway, nodeId = 'cloud') {
    this.gateway = gateway;
    this.documentId = `probe|${nodeId}`;
  }

  private inFlight: Promise<HealthCheckResult> | undefined;

  /**
   * Checks run at the same time in one process share one write and read, so a burst of checks
   * (the router's and a client's) costs one round trip.
   */
  check(): Promise<HealthCheckResult> {
    this.inFlight ??= this.writeThenRead().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async writeThenRead(): Promise<HealthCheckResult> {
    const started = performance.now();
    const stamp = `${new Date().toISOString()}#${Math.random().toString(36).slice(2)}`;
    try {
      const readBack = await this.writeAndRead(stamp);
      const latencyMs = performance.now() - started;
      // Another instance of the same node, such as one serving another Route 53 region, may
      // write its own stamp between this write and the read. Any stamp proves the read works.
      if (typeof readBack !== 'string') {
        return {
          name: this.name,
          status: 'fail',
          latencyMs,
          detail: 'the probe document was missing right after it was written',
        };
      }
      return { name: this.name, status: 'pass', latencyMs };
    } catch (error) {
      const latencyMs = performance.now() - started;
      return { name: this.name, status: 'fail', latencyMs, detail: describeFailure(error) };
    }
  }

  private async writeAndRead(stamp: string): Promise<unknown> {
    const index = this.gateway.names.health;
    const id = this.documentId;
    await this.gateway.call(
      (client) =>
        client.index({ index, id, body: { stamp, written_at: new Date().toISOString() } }),
      { repeatable: false },
    );
    const response = await this.gateway.call(
      (client) => client.get({ index, id, realtime: true }, { ignore: [404] }),
      { repeatable: false },
    );
    return (response.body._source as { stamp?: unknown } | undefined)?.stamp;
  }
}

/** Names the failure without internals: the breaker, a timeout, or the error's class. */
function describeFailure(error: unknown): string {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  if (cause instanceof BrokenCircuitError) return 'circuit breaker open';
  if (cause instanceof TaskCancelledError) return 'timed out';
  return cause instanceof Error ? `request failed: ${cause.name}` : 'request failed';
}
