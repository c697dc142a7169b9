import { z } from 'zod';
import { DEFAULT_MAX_FILE_BYTES } from '../../lambdas/core/files.js';
import type { TaskNodeSettings } from './compose-tasks.js';

/** Task and file settings of an edge process. */
export interface TaskFileSettings {
  readonly tasks: TaskNodeSettings;
  /** Maximum size of a stored file, in bytes. */
  readonly maxFileBytes: number;
}

/** Command-line options of the task and file settings, in `util.parseArgs` form. */
export const TASK_FILE_OPTIONS = {
  'task-workers': { type: 'string' },
  'http-task-allow': { type: 'string' },
  'max-file-bytes': { type: 'string' },
} as const;

/** Help text of the task and file settings. */
export const TASK_FILE_USAGE = `  --task-workers N   task attempts run at once (env HAPPY_TASK_WORKERS, default 4)
  --http-task-allow HOSTS  comma-separated host or host:port that http tasks may POST to
                     (env HAPPY_HTTP_TASK_ALLOW, default none, so http tasks are rejected)
  --max-file-bytes N maximum size of a stored file (env HAPPY_MAX_FILE_BYTES, default 1048576)
Task settings read from the environment only:
  HAPPY_TASK_TIMEOUTS           attempt timeouts in ms by type, such as "echo=30000,http=10000"
  HAPPY_TASK_MAX_UNFINISHED     queued and running tasks per agent before 429 (default 100)
  HAPPY_TASK_MAX_RUNNING        attempts of one agent running at once (default 2)
  HAPPY_HTTP_TASK_MAX_RESPONSE_BYTES  largest response body an http task keeps (default 65536)`;

/** Upper bound of sizes: the payload limit of API Gateway HTTP APIs, 10 MiB. */
const MAX_BYTES = 10 * 1024 * 1024;
/** Upper bound of attempt timeouts: the maximum timeout of a Lambda function, 15 minutes. */
const MAX_TIMEOUT_MS = 15 * 60_000;

/** Parses `type=ms` pairs separated by commas, such as `echo=30000,http=10000`. */
const timeoutsSchema = z.string().transform((text, context) => {
  const timeouts: Record<string, number> = {};
  for (const entry of text.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const match = /^([a-z][a-z0-9_.-]*)=(\d+)$/.exec(entry);
    const ms = Number(match?.[2]);
    if (!match?.[1] || ms < 1 || ms > MAX_TIMEOUT_MS) {
      const message = `"${entry}" is not <type>=<ms> with 1 to ${MAX_TIMEOUT_MS} ms`;
      context.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    timeouts[match[1]] = ms;
  }
  return timeouts;
});

const schema = z.strictObject({
  workers: z.coerce.number().int().min(1).max(64).optional(),
  httpAllowedHosts: z
    .string()
    .transform((text) => text.split(',').map((host) => host.trim()))
    .transform((hosts) => hosts.filter((host) => host !== ''))
    .optional(),
  maxFileBytes: z.coerce.number().int().min(1).max(MAX_BYTES).default(DEFAULT_MAX_FILE_BYTES),
  timeouts: timeoutsSchema.optional(),
  maxUnfinishedPerAgent: z.coerce.number().int().min(1).max(1_000_000).optional(),
  maxRunningPerAgent: z.coerce.number().int().min(1).max(64).optional(),
  httpMaxResponseBytes: z.coerce.number().int().min(1).max(MAX_BYTES).optional(),
});

/**
 * Reads the task and file settings from parsed flags and the environment. A flag wins over its
 * environment variable, and an empty variable counts as unset.
 *
 * @returns the settings, or the problems found, one line each, naming the setting.
 */
export function readTaskFileSettings(
  flags: Partial<Record<keyof typeof TASK_FILE_OPTIONS, string>>,
  env: NodeJS.ProcessEnv,
): { settings: TaskFileSettings } | { problems: string[] } {
  const parsed = schema.safeParse({
    workers: flags['task-workers'] ?? (env.HAPPY_TASK_WORKERS || undefined),
    httpAllowedHosts: flags['http-task-allow'] ?? (env.HAPPY_HTTP_TASK_ALLOW || undefined),
    maxFileBytes: flags['max-file-bytes'] ?? (env.HAPPY_MAX_FILE_BYTES || undefined),
    timeouts: env.HAPPY_TASK_TIMEOUTS || undefined,
    maxUnfinishedPerAgent: env.HAPPY_TASK_MAX_UNFINISHED || undefined,
    maxRunningPerAgent: env.HAPPY_TASK_MAX_RUNNING || undefined,
    httpMaxResponseBytes: env.HAPPY_HTTP_TASK_MAX_RESPONSE_BYTES || undefined,
  });
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`) };
  }
  const { maxFileBytes, ...tasks } = parsed.data;
  return { settings: { tasks, maxFileBytes } };
}
