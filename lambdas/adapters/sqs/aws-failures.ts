/** Error codes AWS services return when they throttle a caller. */
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'KmsThrottled',
]);

/**
 * Error codes that make a queue or bucket unusable until an operator acts: it is missing, or the
 * credentials are rejected. They count as failures, so the breaker opens and `/health` reports
 * the dependency, rather than every request failing with a server error of its own.
 */
const UNUSABLE_CODES = new Set([
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'NoSuchBucket',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidAccessKeyId',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'KmsAccessDenied',
  'KmsDisabled',
]);

/** Node error codes of a connection that could not be opened or was lost. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface AwsErrorShape {
  readonly name: string;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/**
 * Returns true when `error` from an AWS SDK v3 client means the service failed rather than the
 * request being wrong. Failures are: no HTTP response (refused, reset, timed out, aborted), a
 * 5xx status, throttling, a missing queue or bucket, and rejected credentials. Such errors
 * count against the circuit breaker and may be retried.
 */
export function isAwsFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const shape = error as AwsErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  if (status !== undefined) {
    return (
      status >= 500 ||
      status === 429 ||
      THROTTLING_CODES.has(shape.name) ||
      UNUSABLE_CODES.has(shape.name)
    );
  }
  return (
    shape.$metadata !== undefined ||
    shape.name === 'AbortError' ||
    shape.name === 'TimeoutError' ||
    (typeof shape.code === 'string' && NETWORK_CODES.has(shape.code))
  );
}

/** Returns the error code of an AWS SDK error (its `name`), or undefined for other values. */
export function awsErrorCode(error: unknown): string | undefined {
  return error instanceof Error && '$metadata' in error ? error.name : undefined;
}

/** Returns the HTTP status of an AWS SDK error's response, or undefined when there was none. */
export function awsErrorStatus(error: unknown): number | undefined {
  return error instanceof Error ? (error as AwsErrorShape).$metadata?.httpStatusCode : undefined;
}
