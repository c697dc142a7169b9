import type { RecoveryGate } from '../router/index.js';
import { ReplicationPeerClient } from './peer-client.js';

/** Options of {@link createOutboxRecoveryGate}. */
export interface OutboxRecoveryGateOptions {
  /** URL of the edge whose outbox must drain before traffic goes back to the cloud. */
  readonly edgeUrl: string;
  /** The replication token the edge accepts. */
  readonly token: string;
  /** Time allowed for the status call. @default 1000 */
  readonly timeoutMs?: number;
}

/** A recovery gate with a connection pool to close. */
export interface OutboxRecoveryGate {
  readonly gate: RecoveryGate;
  close(): Promise<void>;
}

/**
 * Creates the recovery gate of the health router: it reads the edge's replication status and
 * lets traffic flip back to the cloud only when the edge's outbox is empty, so every write
 * acknowledged at the edge has reached the cloud. Writes that reach the edge after the gate
 * returned ready drain afterwards, because the edge's drain loop keeps running. An unreachable
 * edge or an error status counts as not ready.
 */
export function createOutboxRecoveryGate(options: OutboxRecoveryGateOptions): OutboxRecoveryGate {
  const client = new ReplicationPeerClient({
    baseUrl: options.edgeUrl,
    token: options.token,
    timeoutMs: options.timeoutMs ?? 1000,
  });
  const gate: RecoveryGate = async () => {
    const { outbox } = await client.status();
    if (!outbox) {
      // Its writes could never reach the cloud, so flipping back would hide them.
      return { ready: false, reason: 'the edge has no upstream, so its outbox never drains' };
    }
    if (outbox.pending === 0) return { ready: true };
    return {
      ready: false,
      reason: `${outbox.pending} changes in the edge outbox have not reached the cloud yet`,
    };
  };
  return { gate, close: () => client.close() };
}
