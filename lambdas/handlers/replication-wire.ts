import { createHash } from 'node:crypto';
import * as z from 'zod';
import { MAX_FEED_LIMIT } from '../core/replication.js';
import { AGENT_ID_PATTERN, RECORD_ID_PATTERN } from '../core/ids.js';
import { TASK_TYPE_PATTERN } from '../core/task-types.js';
import type { Change, JsonValue } from '../ports/index.js';
import { fileContentTypeSchema, fileNameSchema, metadataSchema, TASK_STATUSES } from './schemas.js';

/**
 * The JSON form of replicated changes, shared by the change feed, the apply endpoint and the
 * replication clients. Field names are snake_case as in the public API; each entity carries its
 * whole state and version, and file content travels base64-encoded.
 */

/** Maximum number of changes in one apply request. */
export const MAX_APPLY_CHANGES = MAX_FEED_LIMIT;
/** Maximum length of a replicated text, because the text form of a value may exceed the API's limit. */
const MAX_REPLICATED_TEXT = 1024 * 1024;

const versionSchema = z
  .string()
  .regex(/^\d{15}\.\d{6}\.[a-z0-9][a-z0-9-]{0,62}$/, 'must be <15 digits>.<6 digits>.<node id>');
const timestampSchema = z.iso.datetime({ offset: true });
const agentIdSchema = z.string().regex(AGENT_ID_PATTERN, 'must be a valid agent id');
const idSchema = z.string().regex(RECORD_ID_PATTERN, 'must be a valid record id');
const optionalIdSchema = idSchema.nullable();
const textSchema = z.string().max(MAX_REPLICATED_TEXT);
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

const agentSchema = z
  .strictObject({
    agent_id: agentIdSchema,
    name: z.string().min(1).max(200),
    status: z.enum(['active', 'disabled']),
    quotas: z.strictObject({ max_memory_records: z.number().int().min(1) }),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    version: versionSchema,
  })
  .transform((agent) => ({
    agentId: agent.agent_id,
    name: agent.name,
    status: agent.status,
    quotas: { maxMemoryRecords: agent.quotas.max_memory_records },
    createdAt: agent.created_at,
    updatedAt: agent.updated_at,
    version: agent.version,
  }));

const memorySchema = z
  .strictObject({
    agent_id: agentIdSchema,
    id: idSchema,
    user_id: optionalIdSchema,
    session_id: optionalIdSchema,
    key: z.string().min(1).max(256).nullable(),
    content: textSchema,
    value: jsonValueSchema,
    metadata: metadataSchema,
    created_at: timestampSchema,
    updated_at: timestampSchema,
    expires_at: timestampSchema.nullable(),
    version: versionSchema,
    deleted: z.boolean(),
  })
  .transform((record) => ({
    agentId: record.agent_id,
    id: record.id,
    userId: record.user_id,
    sessionId: record.session_id,
    key: record.key,
    content: record.content,
    value: record.value,
    metadata: record.metadata,
    createdAt: record.created_at,
    updatedAt: record.updated_at,
    expiresAt: record.expires_at,
    version: record.version,
    deleted: record.deleted,
  }));

const documentSchema = z
  .strictObject({
    agent_id: agentIdSchema,
    id: idSchema,
    user_id: optionalIdSchema,
    session_id: optionalIdSchema,
    content: textSchema,
    metadata: metadataSchema,
    created_at: timestampSchema,
    version: versionSchema,
  })
  .transform((document) => ({
    agentId: document.agent_id,
    id: document.id,
    userId: document.user_id,
    sessionId: document.session_id,
    content: document.content,
    metadata: document.metadata,
    createdAt: document.created_at,
    version: document.version,
  }));

const taskSchema = z
  .strictObject({
    agent_id: agentIdSchema,
    id: idSchema,
    type: z.string().regex(TASK_TYPE_PATTERN, 'must be a task type name'),
    input: jsonValueSchema,
    status: z.enum(TASK_STATUSES),
    attempts: z.number().int().min(0),
    max_attempts: z.number().int().min(1),
    result: jsonValueSchema,
    error: z.strictObject({ code: z.string().max(128), message: textSchema }).nullable(),
    idempotency_key: z.string().min(1).max(255).nullable(),
    run_at: timestampSchema,
    cancel_requested: z.boolean(),
    lease_expires_at: timestampSchema.nullable(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    started_at: timestampSchema.nullable(),
    finished_at: timestampSchema.nullable(),
    version: versionSchema,
  })
  .transform((task) => ({
    agentId: task.agent_id,
    id: task.id,
    type: task.type,
    input: task.input,
    status: task.status,
    attempts: task.attempts,
    maxAttempts: task.max_attempts,
    result: task.result,
    error: task.error,
    idempotencyKey: task.idempotency_key,
    runAt: task.run_at,
    cancelRequested: task.cancel_requested,
    leaseExpiresAt: task.lease_expires_at,
    createdAt: task.created_at,
    updatedAt: task.updated_at,
    startedAt: task.started_at,
    finishedAt: task.finished_at,
    version: task.version,
  }));

const fileSchema = z.strictObject({
  agent_id: agentIdSchema,
  name: fileNameSchema,
  content_type: fileContentTypeSchema,
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
  created_at: timestampSchema,
  updated_at: timestampSchema,
  version: versionSchema,
  deleted: z.boolean(),
});

/** Fields a feed entry carries beside the change; apply accepts and ignores them. */
const entryFields = { seq: z.number().int().min(0).optional(), origin: z.string().optional() };

const fileChangeSchema = z
  .strictObject({
    kind: z.literal('file'),
    file: fileSchema,
    content_base64: z.base64(),
    ...entryFields,
  })
  .superRefine((change, context) => {
    const content = Buffer.from(change.content_base64, 'base64');
    const sha256 = createHash('sha256').update(content).digest('hex');
    if (content.length !== change.file.size || sha256 !== change.file.sha256) {
      const message = 'must match the size and sha256 of the file';
      context.addIssue({ code: 'custom', message, path: ['content_base64'] });
    }
  })
  .transform(({ file, content_base64 }) => ({
    kind: 'file' as const,
    file: {
      agentId: file.agent_id,
      name: file.name,
      contentType: file.content_type,
      size: file.size,
      sha256: file.sha256,
      createdAt: file.created_at,
      updatedAt: file.updated_at,
      version: file.version,
      deleted: file.deleted,
    },
    content: new Uint8Array(Buffer.from(content_base64, 'base64')),
  }));

/** One change in JSON, as the feed serves it and apply takes it. */
export const changeWireSchema = z.union([
  z.strictObject({ kind: z.literal('agent'), agent: agentSchema, ...entryFields }),
  z.strictObject({ kind: z.literal('memory'), record: memorySchema, ...entryFields }),
  z.strictObject({ kind: z.literal('document'), document: documentSchema, ...entryFields }),
  z.strictObject({ kind: z.literal('task'), task: taskSchema, ...entryFields }),
  fileChangeSchema,
]);

/** Body of `POST /internal/v1/apply`. */
export const applyBodySchema = z.strictObject({
  changes: z.array(changeWireSchema).max(MAX_APPLY_CHANGES),
});

/** Query of `GET /internal/v1/changes`. */
export const changesQuerySchema = z.strictObject({
  since: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_FEED_LIMIT).default(100),
  node: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a node id')
    .optional(),
});

/** Returns a parsed wire change as a port change, dropping the feed-only fields. */
export function toChange(parsed: z.output<typeof changeWireSchema>): Change {
  switch (parsed.kind) {
    case 'agent':
      return { kind: 'agent', agent: parsed.agent };
    case 'memory':
      return { kind: 'memory', record: parsed.record };
    case 'document':
      return { kind: 'document', document: parsed.document };
    case 'task':
      return { kind: 'task', task: parsed.task };
    case 'file':
      return { kind: 'file', file: parsed.file, content: parsed.content };
  }
}
