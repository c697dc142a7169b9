import { createAwsParts } from './cloud-aws.js';
import { FUNCTION_NEEDS } from './functions.js';
import { createWorkerEntry } from './worker-entry.js';

/** Lambda handler of the task worker, fed by the task queue's SQS event source. */
export const handler = createWorkerEntry(FUNCTION_NEEDS['task-worker'], {
  awsParts: createAwsParts,
});
