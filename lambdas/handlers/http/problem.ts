import { HappyError } from '../../core/errors.js';
import type { HttpResult, ServiceName } from './types.js';

/** Media type of error responses (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** One invalid field in a validation error. */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/** A validation error that lists every invalid field. */
export class FieldValidationError extends HappyError {
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[]) {
    const first = issues[0];
    super(400, 'validation_failed', summarize(issues), {
      field: first?.field,
      hint: 'Fix the listed fields; see GET /docs for the request schema.',
    });
    this.issues = issues;
  }
}

/** Context written into every problem body. */
export interface ProblemContext {
  readonly service: ServiceName;
  readonly requestId: string;
  readonly instance: string;
}

/** Builds the problem+json response for a known error. */
export function problemResponse(error: HappyError, context: ProblemContext): HttpResult {
  const body: Record<string, unknown> = {
    type: `urn:happy-os:problem:${error.code}`,
    title: titleOf(error.status),
    status: error.status,
    code: error.code,
    detail: error.message,
    instance: context.instance,
    request_id: context.requestId,
    service: context.service,
  };
  if (error.field) body.field = error.field;
  if (error.hint) body.hint = error.hint;
  if (error instanceof FieldValidationError) body.errors = error.issues;

  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE };
  const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  return { statusCode: error.status, headers, body: JSON.stringify(body) };
}

/** Builds the 500 response for an unexpected error; its details stay in the log. */
export function internalErrorResponse(context: ProblemContext): HttpResult {
  const error = new HappyError(500, 'internal_error', 'The request failed inside the service.', {
    hint: `Retry later; report request id ${context.requestId} if it keeps failing.`,
  });
  return problemResponse(error, context);
}

function summarize(issues: FieldIssue[]): string {
  const shown = issues.slice(0, 3).map((issue) => `${issue.field}: ${issue.message}`);
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return `Invalid request. ${shown.join('; ')}${more}`;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function titleOf(status: number): string {
  return TITLES[status] ?? 'Error';
}
