import type { HandlerName } from '../handlers/routes.js';
import type { FunctionNeeds } from './environment.js';

/** Name of a function of the cloud path: an API function or the task worker. */
export type EntryName = HandlerName | 'task-worker';

const API = { api: true, indices: 'all' } as const;
const NOTHING_ELSE = {
  signingKey: false,
  adminToken: false,
  replicationToken: false,
  taskQueue: false,
  filesBucket: false,
};

/**
 * Requirements of each function on its environment. They mirror the access table of the CDK
 * app (lib/lambda-entries.ts), which sets the variables, and a test checks that the two agree.
 */
export const FUNCTION_NEEDS = {
  agents: { name: 'agents', ...API, ...NOTHING_ELSE, signingKey: true, adminToken: true },
  memory: { name: 'memory', ...API, ...NOTHING_ELSE, signingKey: true },
  search: { name: 'search', ...API, ...NOTHING_ELSE, signingKey: true },
  tasks: { name: 'tasks', ...API, ...NOTHING_ELSE, signingKey: true, taskQueue: true },
  files: { name: 'files', ...API, ...NOTHING_ELSE, signingKey: true, filesBucket: true },
  // The health function probes the queue and the bucket, so it needs both locations.
  health: {
    name: 'health',
    ...API,
    ...NOTHING_ELSE,
    indices: 'health',
    taskQueue: true,
    filesBucket: true,
  },
  replication: {
    name: 'replication',
    ...API,
    ...NOTHING_ELSE,
    signingKey: true,
    adminToken: true,
    replicationToken: true,
    taskQueue: true,
    filesBucket: true,
  },
  'task-worker': {
    name: 'task-worker',
    api: false,
    indices: 'all',
    ...NOTHING_ELSE,
    taskQueue: true,
    filesBucket: true,
  },
} as const satisfies Record<EntryName, FunctionNeeds & { readonly name: EntryName }>;
