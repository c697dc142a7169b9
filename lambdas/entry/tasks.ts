import { createTasksHandler } from '../handlers/tasks.js';
import { createApiEntry } from './api-entry.js';
import { createAwsParts } from './cloud-aws.js';
import { FUNCTION_NEEDS } from './functions.js';

/** Lambda handler of the task routes under `/api/v1/{agent}/tasks`. */
export const handler = createApiEntry(FUNCTION_NEEDS.tasks, createTasksHandler, {
  awsParts: createAwsParts,
});
