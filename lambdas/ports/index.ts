export type * from './records.js';
export type * from './memory-store.js';
export type * from './search-index.js';
export type * from './agent-registry.js';
export type * from './signing-keys.js';
export type * from './health.js';
export type * from './observability.js';
