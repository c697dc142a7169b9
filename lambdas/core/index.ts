export * from './errors.js';
export * from './clock.js';
export * from './ids.js';
export * from './tokens.js';
export * from './agents.js';
export * from './memory.js';
export * from './search.js';
export * from './health.js';
