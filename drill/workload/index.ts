export { loadLocomoWorkload, evidenceIds } from './locomo.js';
export type { LocomoOptions } from './locomo.js';
export { syntheticWorkload } from './synthetic.js';
export type { SyntheticOptions } from './synthetic.js';
export { interleaveByAgent } from './interleave.js';
export type { Metadata, Question, Turn, Workload, WorkloadAgent, WorkloadStats } from './types.js';
