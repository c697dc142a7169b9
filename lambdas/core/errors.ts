/**
 * Errors raised by the core. Each carries the HTTP status it maps to, a stable machine-readable
 * `code`, the request field at fault (when there is one) and a hint on what the caller can do.
 * The HTTP layer turns them into `application/problem+json` responses (RFC 9457).
 */

/** Options shared by every {@link HappyError}. */
export interface HappyErrorOptions {
  /** Request field at fault, as a JSON path such as `body.user_id` or `path.agent`. */
  readonly field?: string;
  /** Advice to the caller on how to fix the request. */
  readonly hint?: string;
  /** Underlying error, kept for the log. */
  readonly cause?: unknown;
}

/** Base error of Happy OS. Subclasses fix the status and the code family. */
export class HappyError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly hint?: string;

  constructor(status: number, code: string, message: string, options: HappyErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.field = options.field;
    this.hint = options.hint;
  }
}

/** The request is malformed or fails validation (400). */
export class RequestValidationError extends HappyError {
  constructor(code: string, message: string, options?: HappyErrorOptions) {
    super(400, code, message, options);
  }
}

/** The request carries no usable credential (401). */
export class AuthenticationError extends HappyError {
  constructor(code: string, message: string, options?: HappyErrorOptions) {
    super(401, code, message, options);
  }
}

/** The credential is valid but does not allow this request (403). */
export class AccessDeniedError extends HappyError {
  constructor(code: string, message: string, options?: HappyErrorOptions) {
    super(403, code, message, options);
  }
}

/** The named resource does not exist, or is not visible to the caller (404). */
export class ResourceNotFoundError extends HappyError {
  constructor(code: string, message: string, options?: HappyErrorOptions) {
    super(404, code, message, options);
  }
}

/** The request conflicts with the current state of the resource (409). */
export class ResourceConflictError extends HappyError {
  constructor(code: string, message: string, options?: HappyErrorOptions) {
    super(409, code, message, options);
  }
}

/** The request body is larger than the service accepts (413). */
export class PayloadTooLargeError extends HappyError {
  constructor(message: string, options?: HappyErrorOptions) {
    super(413, 'payload_too_large', message, options);
  }
}

/** The request body is not in a media type the endpoint accepts (415). */
export class UnsupportedMediaTypeError extends HappyError {
  constructor(message: string, options?: HappyErrorOptions) {
    super(415, 'unsupported_media_type', message, options);
  }
}

/** The caller exceeded a limit or quota (429). */
export class LimitExceededError extends HappyError {
  readonly retryAfterSeconds?: number;

  constructor(
    code: string,
    message: string,
    options?: HappyErrorOptions & { retryAfterSeconds?: number },
  ) {
    super(429, code, message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** A dependency of the service (store, index, queue) failed or is unreachable (503). */
export class DependencyUnavailableError extends HappyError {
  constructor(dependency: string, options?: HappyErrorOptions) {
    super(503, 'dependency_unavailable', `Dependency "${dependency}" is unavailable.`, {
      hint: 'Retry later; safe requests are retried on the edge by the health router.',
      ...options,
    });
  }
}

/** Returns true when `error` is a {@link HappyError}. */
export function isHappyError(error: unknown): error is HappyError {
  return error instanceof HappyError;
}
