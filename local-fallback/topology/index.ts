export { cloudBackendFromEnv, startLocalTopology } from './topology.js';
export type { CloudBackend, LocalTopology, LocalTopologyOptions } from './topology.js';
export { startNodeProcess, freeLoopbackPort } from './node-process.js';
export type { NodeProcess, NodeProcessOptions } from './node-process.js';
export type { CloudRestartOptions } from './topology.js';
