import { createFilesHandler } from '../handlers/files.js';
import { createApiEntry } from './api-entry.js';
import { createAwsParts } from './cloud-aws.js';
import { FUNCTION_NEEDS } from './functions.js';

/** Lambda handler of the file routes under `/api/v1/{agent}/files`. */
export const handler = createApiEntry(FUNCTION_NEEDS.files, createFilesHandler, {
  awsParts: createAwsParts,
});
