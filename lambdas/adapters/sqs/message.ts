import * as z from 'zod';
import type { TaskMessage } from '../../ports/index.js';

/** Maximum `DelaySeconds` of a new SQS message: 15 minutes. */
export const MAX_DELAY_SECONDS = 900;
/** Maximum visibility timeout SQS accepts: 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

const bodySchema = z.object({
  v: z.literal(1),
  agentId: z.string().min(1).max(256),
  taskId: z.string().min(1).max(256),
  /** Time the message is due, in epoch ms by the clock of the adapter that sent it. */
  dueAt: z.number().int().nonnegative(),
});

/** Content of a queue message: the task's address and the time it is due. */
export type QueueMessageBody = z.infer<typeof bodySchema>;

/** Serializes a message body as JSON. */
export function encodeBody(message: TaskMessage, dueAt: number): string {
  const body: QueueMessageBody = {
    v: 1,
    agentId: message.agentId,
    taskId: message.taskId,
    dueAt,
  };
  return JSON.stringify(body);
}

/** Parses a message body, or returns null when it is not one this adapter wrote. */
export function decodeBody(text: string | undefined): QueueMessageBody | null {
  if (text === undefined) return null;
  try {
    const parsed = bodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Everything a receipt carries: the SQS message, its receipt handle and the task. */
export interface ReceiptParts extends TaskMessage {
  readonly messageId: string;
  readonly handle: string;
}

const receiptSchema = z.tuple([z.literal(1), z.string(), z.string(), z.string(), z.string()]);

/**
 * Encodes a receipt as base64url JSON. It carries the task so that a release beyond the SQS
 * delay limit can send the message again, even from a process that did not receive it.
 */
export function encodeReceipt(parts: ReceiptParts): string {
  const tuple = [1, parts.messageId, parts.handle, parts.agentId, parts.taskId];
  return Buffer.from(JSON.stringify(tuple), 'utf8').toString('base64url');
}

/** Decodes a receipt, or returns null when it was not issued by this adapter. */
export function decodeReceipt(receipt: string): ReceiptParts | null {
  try {
    const json: unknown = JSON.parse(Buffer.from(receipt, 'base64url').toString('utf8'));
    const parsed = receiptSchema.safeParse(json);
    if (!parsed.success) return null;
    const [, messageId, handle, agentId, taskId] = parsed.data;
    return { messageId, handle, agentId, taskId };
  } catch {
    return null;
  }
}

/**
 * Converts a duration in ms to the whole seconds SQS takes, rounded up so that SQS never shows a
 * message before the time asked for, and capped at `maxSeconds`.
 */
export function toSqsSeconds(ms: number, maxSeconds: number): number {
  return Math.min(maxSeconds, Math.ceil(Math.max(0, ms) / 1000));
}

/** Key of a task in the adapter's bookkeeping. */
export function taskKey(message: TaskMessage): string {
  return JSON.stringify([message.agentId, message.taskId]);
}
