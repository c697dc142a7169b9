export { WorkerPool, type WorkerPoolOptions } from './worker-pool.js';
export { createHttpTask, type HttpTaskHandler, type HttpTaskOptions } from './http-task.js';
export {
  BlockedAddressError,
  createCheckedLookup,
  HttpAllowList,
  isBlockedAddress,
} from './address-policy.js';
export {
  composeTasks,
  type TaskComposition,
  type TaskCompositionDeps,
  type TaskNodeSettings,
} from './compose-tasks.js';
