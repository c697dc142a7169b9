export { ReplicationPeerError, ReplicationSettingsError } from './errors.js';
export { RepeatingStep, type RepeatingStepOptions, type StepResult } from './loop.js';
export { ReplicationMonitor, type ReplicationMonitorOptions } from './monitor.js';
export { registerReplicationMetrics } from './metrics.js';
export {
  ReplicationPeerClient,
  type PeerChange,
  type PeerFeedPage,
  type PeerStatus,
  type ReplicationPeerClientOptions,
} from './peer-client.js';
export {
  createOutboxRecoveryGate,
  type OutboxRecoveryGate,
  type OutboxRecoveryGateOptions,
} from './recovery-gate.js';
export { Replicator, type ReplicatorOptions } from './replicator.js';
export { startTombstonePurge, type TombstonePurgeTimerOptions } from './tombstone-timer.js';
