import { parse } from '@aws-lambda-powertools/parser';
import type * as z from 'zod';
import {
  PayloadTooLargeError,
  RequestValidationError,
  UnsupportedMediaTypeError,
} from '../../core/errors.js';
import { idempotencyKeySchema } from '../schemas.js';
import { FieldValidationError, type FieldIssue } from './problem.js';
import type { HttpEvent, RequestLimits } from './types.js';

/** Part of the request a validated value came from, used as the prefix of field names in errors. */
export type ValueLocation = 'body' | 'query' | 'path';

/**
 * Reads and parses the JSON body of an event, checking media type, size and nesting depth
 * before parsing, so an oversized or deeply nested body costs no parse.
 *
 * @throws {UnsupportedMediaTypeError} when content-type is set and is not JSON.
 * @throws {PayloadTooLargeError} when the body exceeds `limits.maxBodyBytes`.
 * @throws {RequestValidationError} `body_required`, `json_too_deep` or `malformed_json`.
 */
export function readJsonBody(event: HttpEvent, limits: RequestLimits): unknown {
  checkMediaType(event.headers['content-type']);
  const text = decodeBody(event, limits.maxBodyBytes);
  if (text.trim() === '') {
    throw new RequestValidationError('body_required', 'The request body is empty.', {
      field: 'body',
      hint: 'Send a JSON object; see GET /docs for the schema.',
    });
  }
  checkDepth(text, limits.maxJsonDepth);
  try {
    return JSON.parse(text, rejectPrototypeKeys);
  } catch (error) {
    if (error instanceof RequestValidationError) throw error;
    throw new RequestValidationError('malformed_json', 'The request body is not valid JSON.', {
      field: 'body',
      hint: `Fix the JSON syntax (${(error as Error).message}).`,
    });
  }
}

/**
 * Rejects `__proto__` as an object key anywhere in a body. JSON.parse keeps it as a plain
 * property, but copying such an object by assignment (as zod's record parser does) would drop
 * it or change a prototype, so the caller would not get back what it stored.
 */
function rejectPrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') {
    throw new RequestValidationError('forbidden_key', 'The JSON body uses "__proto__" as a key.', {
      field: 'body',
      hint: 'Rename the "__proto__" key.',
    });
  }
  return value;
}

/**
 * Validates `value` against a zod schema through Powertools Parser.
 *
 * @throws {FieldValidationError} listing every invalid or unknown field.
 */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  location: ValueLocation,
  name?: string,
): z.output<S> {
  const result = parse(value, undefined, schema, true);
  if (result.success) return result.data as z.output<S>;
  const prefix = name ? `${location}.${name}` : location;
  throw new FieldValidationError(toIssues(result.error.cause, prefix));
}

/** Returns the query string parameters of an event, never undefined. */
export function queryOf(event: HttpEvent): Record<string, string> {
  return Object.fromEntries(
    Object.entries(event.queryStringParameters ?? {}).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
}

function checkMediaType(contentType: string | undefined): void {
  if (contentType === undefined) return;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) return;
  throw new UnsupportedMediaTypeError(`Content type "${mediaType}" is not accepted.`, {
    field: 'header.content-type',
    hint: 'Send the body as application/json.',
  });
}

function decodeBody(event: HttpEvent, maxBytes: number): string {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes) {
    throw new PayloadTooLargeError(
      `The request body has ${bytes.length} bytes; the limit is ${maxBytes}.`,
      { field: 'body', hint: 'Split the data into smaller requests.' },
    );
  }
  return bytes.toString('utf8');
}

/** Scans the raw text for bracket depth, skipping string contents. */
function checkDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '{' || char === '[') {
      depth += 1;
      if (depth > maxDepth) {
        throw new RequestValidationError(
          'json_too_deep',
          `The JSON body nests deeper than ${maxDepth} levels.`,
          {
            field: 'body',
            hint: 'Flatten the structure.',
          },
        );
      }
    } else if (char === '}' || char === ']') {
      depth -= 1;
    }
  }
}

interface SchemaIssue {
  readonly code?: string;
  readonly path?: PropertyKey[];
  readonly keys?: string[];
  readonly message: string;
}

function toIssues(cause: unknown, location: string): FieldIssue[] {
  const issues = Array.isArray(cause) ? (cause as SchemaIssue[]) : [];
  if (issues.length === 0) return [{ field: location, message: 'is invalid' }];
  return issues.flatMap((issue) => {
    const base = [location, ...(issue.path ?? []).map(String)].join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      return issue.keys.map((key) => ({
        field: `${base}.${key}`,
        message: 'is not a known field',
      }));
    }
    return [{ field: base, message: issue.message }];
  });
}

/**
 * Returns a validated path parameter.
 *
 * @throws {FieldValidationError} when it is missing or fails `schema`.
 */
export function pathParam<S extends z.ZodType>(
  event: HttpEvent,
  name: string,
  schema: S,
): z.output<S> {
  return validate(schema, event.pathParameters?.[name], 'path', name);
}

/**
 * Returns the `Idempotency-Key` header without the quotes of a quoted string, or undefined
 * without the header.
 *
 * @throws {RequestValidationError} `invalid_idempotency_key` when it is not 1-255 visible ASCII
 *   characters.
 */
export function idempotencyKeyHeader(event: HttpEvent): string | undefined {
  const header = event.headers['idempotency-key'];
  if (header === undefined) return undefined;

  const unquoted = /^"(.*)"$/.exec(header.trim())?.[1] ?? header.trim();
  if (!idempotencyKeySchema.safeParse(unquoted).success) {
    throw new RequestValidationError(
      'invalid_idempotency_key',
      'The Idempotency-Key header must be 1-255 visible ASCII characters.',
      { field: 'header.idempotency-key', hint: 'Send a UUID, such as "Idempotency-Key: <uuid>".' },
    );
  }
  return unquoted;
}
