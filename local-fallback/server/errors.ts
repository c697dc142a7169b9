import { HappyError, type HappyErrorOptions } from '../../lambdas/core/errors.js';

/** The path exists, but has no route for the request method (405). */
export class MethodNotAllowedError extends HappyError {
  /** Methods that the path has routes for, written into the `allow` header. */
  readonly allow: readonly string[];

  constructor(method: string, allow: readonly string[], options?: HappyErrorOptions) {
    super(405, 'method_not_allowed', `Method ${method} is not allowed on this path.`, {
      hint: `Use one of: ${allow.join(', ')}.`,
      ...options,
    });
    this.allow = allow;
  }
}

/** The request path is longer than the edge accepts (414). */
export class PathTooLongError extends HappyError {
  constructor(length: number, maxLength: number) {
    super(
      414,
      'path_too_long',
      `The request path has ${length} characters; the limit is ${maxLength}.`,
      {
        field: 'path',
        hint: 'Shorten the path; send long values in the JSON body instead.',
      },
    );
  }
}

/** The handler did not return before its deadline (503, the status API Gateway returns then). */
export class HandlerTimeoutError extends HappyError {
  constructor(handler: string, timeoutMs: number) {
    super(503, 'handler_timeout', `Handler "${handler}" did not respond within ${timeoutMs} ms.`, {
      hint: 'Retry later; report the request id if it keeps timing out.',
    });
  }
}

/** The handler returned something that is not an API Gateway HTTP API result. */
export class InvalidHandlerResultError extends Error {
  constructor(handler: string, problem: string) {
    super(`Handler "${handler}" returned an invalid result: ${problem}.`);
    this.name = 'InvalidHandlerResultError';
  }
}

/** The client closed the connection before the request body arrived whole. */
export class ClientAbortError extends Error {
  constructor(receivedBytes: number) {
    super(`The client closed the connection after ${receivedBytes} body bytes.`);
    this.name = 'ClientAbortError';
  }
}

/** An option of `createEdgeServer` is invalid. */
export class EdgeServerOptionsError extends Error {
  constructor(option: string, value: unknown, expected: string) {
    super(`Invalid edge server option ${option}: ${JSON.stringify(value)}; expected ${expected}.`);
    this.name = 'EdgeServerOptionsError';
  }
}
