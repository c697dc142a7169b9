import * as z from 'zod';
import { fileNameProblem, MAX_FILE_NAME_LENGTH } from '../core/file-names.js';
import { AGENT_ID_PATTERN, RECORD_ID_PATTERN, RESERVED_AGENT_IDS } from '../core/ids.js';
import { TASK_TYPE_PATTERN } from '../core/task-types.js';
import type { JsonValue } from '../ports/index.js';

/** Maximum length of a memory key, in characters. */
export const MAX_KEY_LENGTH = 256;
/** Maximum length of the text of a record or document, in characters. */
export const MAX_CONTENT_LENGTH = 65_536;
/** Maximum number of fields in the metadata of a record. */
export const MAX_METADATA_FIELDS = 32;
/** Maximum lifetime of a record in seconds: ten years. */
export const MAX_TTL_SECONDS = 10 * 365 * 24 * 3600;

// Control characters would corrupt logs and storage paths; no id or key may contain them.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** An agent id. */
export const agentIdSchema = z
  .string()
  .regex(AGENT_ID_PATTERN, 'must be 1-64 lower-case letters, digits, "-" or "_"')
  .refine((id) => !RESERVED_AGENT_IDS.has(id), 'is reserved');

/** A record, document, user or session id. */
export const recordIdSchema = z
  .string()
  .regex(RECORD_ID_PATTERN, 'must be 1-128 letters, digits, ".", "_", ":" or "-"');

/**
 * A memory key: printable text up to {@link MAX_KEY_LENGTH} characters without `/`, because keys
 * travel as one path segment and API Gateway decodes `%2F` before it matches routes.
 */
export const keySchema = z
  .string()
  .min(1)
  .max(MAX_KEY_LENGTH)
  .refine((key) => !CONTROL_CHARACTERS.test(key), 'must not contain control characters')
  .refine((key) => !key.includes('/'), 'must not contain "/"');

const metadataKeySchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'is not a valid metadata key');

/** Flat metadata: scalar values only. */
export const metadataSchema = z
  .record(metadataKeySchema, z.union([z.string().max(1024), z.number(), z.boolean()]))
  .refine((value) => Object.keys(value).length <= MAX_METADATA_FIELDS, {
    message: `must have at most ${MAX_METADATA_FIELDS} fields`,
  });

const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonValueSchema),
    z.record(z.string(), jsonValueSchema),
  ]),
);

const contentSchema = z.string().min(1).max(MAX_CONTENT_LENGTH);

/** Body of `POST /api/v1/agents`. */
export const createAgentBodySchema = z.strictObject({
  agent_id: agentIdSchema,
  name: z.string().min(1).max(200),
  quotas: z
    .strictObject({ max_memory_records: z.number().int().min(1).max(10_000_000) })
    .optional(),
});

/**
 * Body of memory writes. `context` is the original demo's name for the text and `content` the
 * current one; a key-value record gives `key` and `value` instead.
 */
export const memoryBodySchema = z
  .strictObject({
    user_id: recordIdSchema.nullish(),
    session_id: recordIdSchema.nullish(),
    key: keySchema.optional(),
    context: contentSchema.optional(),
    content: contentSchema.optional(),
    value: jsonValueSchema.optional(),
    metadata: metadataSchema.optional(),
    ttl_seconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional(),
  })
  .refine((body) => !(body.context !== undefined && body.content !== undefined), {
    message: 'give either "context" or "content", not both',
    path: ['content'],
  })
  .refine(
    (body) => body.context !== undefined || body.content !== undefined || body.value !== undefined,
    { message: 'give the text as "context" or "content", or a "value"', path: ['content'] },
  );

/** Query of `GET /api/v1/{agent}/memory`. */
export const memoryListQuerySchema = z.strictObject({
  user_id: recordIdSchema.optional(),
  session_id: recordIdSchema.optional(),
  prefix: keySchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
});

/** Body of `POST /api/v1/{agent}/search`. */
export const searchBodySchema = z.strictObject({
  query: z.string().min(1).max(1024),
  user_id: recordIdSchema.optional(),
  session_id: recordIdSchema.optional(),
  metadata: metadataSchema.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.number().int().min(1).max(100).default(10),
  highlight: z.boolean().default(true),
});

/** Body of `POST /api/v1/{agent}/search/index`. */
export const indexBodySchema = z.strictObject({
  documents: z
    .array(
      z.strictObject({
        id: recordIdSchema.optional(),
        content: contentSchema,
        user_id: recordIdSchema.nullish(),
        session_id: recordIdSchema.nullish(),
        metadata: metadataSchema.optional(),
      }),
    )
    .min(1)
    .max(100),
});

/** Latest `run_at` a task accepts, relative to now: 30 days. */
export const MAX_TASK_DELAY_MS = 30 * 24 * 3600 * 1000;
/** Attempts a task may be given at most. */
export const MAX_TASK_ATTEMPTS = 10;

/** Task statuses, as the API writes them. */
export const TASK_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'dead_letter',
] as const;

/** An idempotency key: 1-255 visible ASCII characters, as in the `Idempotency-Key` header. */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 visible ASCII characters');

/** Body of `POST /api/v1/{agent}/tasks`. */
export const taskSubmitBodySchema = z.strictObject({
  type: z.string().regex(TASK_TYPE_PATTERN, 'must be a task type name such as "echo"'),
  input: jsonValueSchema,
  idempotency_key: idempotencyKeySchema.optional(),
  run_at: z.iso
    .datetime({ offset: true })
    .refine((value) => Date.parse(value) <= Date.now() + MAX_TASK_DELAY_MS, {
      message: 'must be at most 30 days ahead',
    })
    .optional(),
  max_attempts: z.number().int().min(1).max(MAX_TASK_ATTEMPTS).optional(),
});

/** Query of `GET /api/v1/{agent}/tasks`. */
export const taskListQuerySchema = z.strictObject({
  status: z.enum(TASK_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
});

/** Schema of a file name, one path segment, checked by `fileNameProblem` of the core. */
export const fileNameSchema = z.string().superRefine((name, context) => {
  const problem = fileNameProblem(name);
  if (problem !== null) context.addIssue({ code: 'custom', message: problem });
});

/** The media type of a file, from the `content-type` header of its upload. */
export const fileContentTypeSchema = z
  .string()
  .max(255)
  .regex(
    /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;[\x20-\x7e]*)?$/,
    'must be a media type such as "text/plain"',
  );

/** Query of `GET /api/v1/{agent}/files`. */
export const fileListQuerySchema = z.strictObject({
  prefix: z
    .string()
    .max(MAX_FILE_NAME_LENGTH)
    .refine((prefix) => !CONTROL_CHARACTERS.test(prefix), 'must not contain control characters')
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  // A cursor carries a name of up to 255 characters, which base64url makes up to 1024 long.
  cursor: z.string().max(2048).optional(),
});
