import { isTaskCancelledError, timeout, TimeoutStrategy } from 'cockatiel';
import type { AppLogger, JsonValue, TaskFailure, TaskRecord, TaskStore } from '../ports/index.js';
import { HappyError } from './errors.js';
import { TaskAttemptError } from './task-errors.js';
import type { TaskHandler } from './task-types.js';

/** Result of one attempt, before it is recorded. */
export type AttemptResult =
  | { readonly kind: 'succeeded'; readonly result: JsonValue }
  | { readonly kind: 'failed'; readonly failure: TaskFailure; readonly retryable: boolean }
  | { readonly kind: 'cancelled' };

/** Settings of {@link runAttempt}. */
export interface AttemptSettings {
  /** Interval at which the attempt checks its task for a cancel request, in milliseconds. */
  readonly cancelPollMs: number;
  readonly logger: AppLogger;
}

/** Maximum length of an error message stored on a task, in characters. */
const MAX_ERROR_MESSAGE_LENGTH = 500;

/**
 * Runs one attempt of a claimed task under its type's timeout (cockatiel, aggressive strategy),
 * aborting it when a cancel request appears on the task record. Never rejects: failures are
 * classified into a retryable or final {@link AttemptResult}.
 */
export async function runAttempt(
  task: TaskRecord,
  handler: TaskHandler,
  store: TaskStore,
  settings: AttemptSettings,
): Promise<AttemptResult> {
  const cancel = new AbortController();
  const stopWatching = watchForCancel(task, cancel, store, settings);
  const policy = timeout(handler.timeoutMs, TimeoutStrategy.Aggressive);
  // A handler that honours its signal rejects with its own abort error before cockatiel's
  // TaskCancelledError wins the race, so the timeout event, not the error type, marks a timeout.
  let timedOut = false;
  const onTimeout = policy.onTimeout(() => (timedOut = true));
  const context = { agentId: task.agentId, taskId: task.id, attempt: task.attempts };
  try {
    const result = await policy.execute(
      ({ signal }) => handler.run(task.input, { ...context, signal }),
      cancel.signal,
    );
    return { kind: 'succeeded', result };
  } catch (error) {
    if (cancel.signal.aborted) return { kind: 'cancelled' };
    return toFailure(error, handler, timedOut);
  } finally {
    onTimeout.dispose();
    stopWatching();
  }
}

/** Polls the task record and aborts the attempt once a cancel has been requested. */
function watchForCancel(
  task: TaskRecord,
  cancel: AbortController,
  store: TaskStore,
  settings: AttemptSettings,
): () => void {
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    store
      .get(task.agentId, task.id)
      .then((current) => {
        if (current?.cancelRequested) cancel.abort();
      })
      .catch((error: unknown) => {
        settings.logger.warn('Could not check a running task for a cancel request.', {
          taskId: task.id,
          agentId: task.agentId,
          error: String(error),
        });
      })
      .finally(() => (polling = false));
  }, settings.cancelPollMs);
  return () => clearInterval(timer);
}

function toFailure(error: unknown, handler: TaskHandler, timedOut: boolean): AttemptResult {
  if (timedOut || isTaskCancelledError(error)) {
    const message = `The attempt did not finish within ${handler.timeoutMs} ms.`;
    return { kind: 'failed', failure: { code: 'task_timed_out', message }, retryable: true };
  }
  if (error instanceof TaskAttemptError) {
    return { kind: 'failed', failure: failureOf(error.code, error), retryable: error.retryable };
  }
  if (error instanceof HappyError) {
    // A client error (such as a file over the size limit) fails the same way every time.
    const retryable = error.status >= 500;
    return { kind: 'failed', failure: failureOf(error.code, error), retryable };
  }
  return { kind: 'failed', failure: failureOf('task_error', error), retryable: true };
}

function failureOf(code: string, error: unknown): TaskFailure {
  const message = error instanceof Error ? error.message : String(error);
  return { code, message: message.slice(0, MAX_ERROR_MESSAGE_LENGTH) };
}
