import type { JsonValue } from '../ports/index.js';
import { UnknownTaskTypeError } from './task-errors.js';

/** Pattern of task type names, such as `echo`, `http` or `memory.export`. */
export const TASK_TYPE_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

/** What a task handler receives besides the input, for one attempt. */
export interface TaskRunContext {
  readonly agentId: string;
  readonly taskId: string;
  /** Number of this attempt, from 1. */
  readonly attempt: number;
  /** Aborted when the attempt times out or the task is cancelled; the handler should stop. */
  readonly signal: AbortSignal;
}

/**
 * A task type: code registered under a name that runs one attempt of a task. Handlers live where
 * their dependencies are allowed, so a handler that needs HTTP is built outside the core and
 * registered by the service that composes the node.
 */
export interface TaskHandler {
  /** Name clients give as `type`; must match {@link TASK_TYPE_PATTERN}. */
  readonly type: string;
  /** Time one attempt may take, in milliseconds. The worker aborts the attempt after it. */
  readonly timeoutMs: number;
  /**
   * Checks the input when the task is submitted, so bad input is a 400 and never a queued task.
   *
   * @throws {TaskInputError} naming the field at fault.
   */
  validateInput(input: JsonValue): void;
  /**
   * Runs one attempt and returns its result.
   *
   * @throws {TaskAttemptError} to set the stored error code and whether a retry may help.
   */
  run(input: JsonValue, context: TaskRunContext): Promise<JsonValue>;
}

/** The task handlers of a node, by type name. */
export class TaskTypeRegistry {
  private readonly handlers = new Map<string, TaskHandler>();

  /**
   * Adds a handler.
   *
   * @throws {Error} when the name is invalid, already registered, or the timeout is not a
   *   positive whole number of milliseconds.
   */
  register(handler: TaskHandler): this {
    if (!TASK_TYPE_PATTERN.test(handler.type)) {
      throw new Error(`Invalid task type "${handler.type}": expected ${TASK_TYPE_PATTERN}.`);
    }
    if (this.handlers.has(handler.type)) {
      throw new Error(`Task type "${handler.type}" is registered already.`);
    }
    if (!Number.isInteger(handler.timeoutMs) || handler.timeoutMs < 1) {
      throw new Error(
        `Invalid timeout ${handler.timeoutMs} for task type "${handler.type}": expected an ` +
          'integer of at least 1 ms.',
      );
    }
    this.handlers.set(handler.type, handler);
    return this;
  }

  /**
   * Returns the handler of a type.
   *
   * @throws {UnknownTaskTypeError} when none is registered under `type`.
   */
  get(type: string): TaskHandler {
    const handler = this.handlers.get(type);
    if (!handler) throw new UnknownTaskTypeError(type, this.types());
    return handler;
  }

  /** Returns the registered type names in alphabetical order. */
  types(): string[] {
    return [...this.handlers.keys()].sort();
  }
}
