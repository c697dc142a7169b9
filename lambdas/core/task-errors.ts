import {
  HappyError,
  RequestValidationError,
  ResourceConflictError,
  type HappyErrorOptions,
} from './errors.js';

/** Options of a {@link TaskAttemptError}. */
export interface TaskAttemptErrorOptions extends HappyErrorOptions {
  /** Whether another attempt may succeed. @default true */
  readonly retryable?: boolean;
}

/**
 * An attempt of a task failed. Task handlers throw it to choose the stored error code and to say
 * whether a retry may help; any other error thrown by a handler counts as retryable with the
 * code `task_error`. It never reaches an HTTP response: its code and message are stored on the
 * task.
 */
export class TaskAttemptError extends HappyError {
  readonly retryable: boolean;

  constructor(code: string, message: string, options: TaskAttemptErrorOptions = {}) {
    super(500, code, message, options);
    this.retryable = options.retryable ?? true;
  }
}

/** The input of a task does not fit its type (400). Handlers throw it from `validateInput`. */
export class TaskInputError extends RequestValidationError {
  constructor(message: string, options: HappyErrorOptions = {}) {
    super('invalid_task_input', message, { field: 'body.input', ...options });
  }
}

/** No task handler is registered under the requested type (400). */
export class UnknownTaskTypeError extends RequestValidationError {
  constructor(type: string, known: readonly string[]) {
    super('unknown_task_type', `No task type "${type}" is registered.`, {
      field: 'body.type',
      hint: `Use one of: ${known.join(', ')}.`,
    });
  }
}

/** An idempotency key was sent again with a different type or input (409). */
export class IdempotencyKeyReusedError extends ResourceConflictError {
  readonly key: string;
  readonly taskId: string;

  /** @param field where the request carried the key. @default 'body.idempotency_key' */
  constructor(key: string, taskId: string, field = 'body.idempotency_key') {
    super(
      'idempotency_key_reused',
      `Idempotency key "${key}" belongs to task ${taskId}, which has another type or input.`,
      {
        field,
        hint: 'Send a new idempotency key for a new task, or repeat the original request.',
      },
    );
    this.key = key;
    this.taskId = taskId;
  }
}

/** A cancel arrived for a task that has already finished (409). */
export class TaskFinishedError extends ResourceConflictError {
  constructor(taskId: string, status: string) {
    super('task_finished', `Task ${taskId} has already finished with status "${status}".`, {
      field: 'path.id',
      hint: 'Only queued or running tasks can be cancelled.',
    });
  }
}
