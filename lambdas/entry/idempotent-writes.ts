import { createHash } from 'node:crypto';
import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import { makeIdempotentWrite } from '../adapters/redis/idempotency.js';
import type { RedisGateway } from '../adapters/redis/gateway.js';
import { HappyError, RequestValidationError } from '../core/errors.js';
import { problemResponse } from '../handlers/http/problem.js';
import type { HttpEvent, HttpResult, LambdaContext, ServiceName } from '../handlers/http/types.js';
import { idempotencyKeySchema } from '../handlers/schemas.js';

/**
 * Routes whose repeat would store something twice: each call adds a record or a document under
 * a new id. Every other write names what it writes (an id, a key or a file name), so its repeat
 * stores the same thing again, and task submissions keep their own idempotency keys.
 */
export const IDEMPOTENT_ROUTES: readonly string[] = [
  'POST /api/v1/{agent}/memory',
  'POST /api/v1/{agent}/search/index',
];

/** A plain function form of an API handler. */
export type ApiHandler = (event: HttpEvent, context: LambdaContext) => Promise<HttpResult>;

/** Options of {@link withIdempotentWrites}. */
export interface IdempotentWritesOptions {
  readonly redis: RedisGateway;
  readonly service: ServiceName;
  /** Prefix of the Redis keys of the records. @default 'happy:idempotency' */
  readonly keyPrefix?: string;
  /** How long a response is returned for repeats, in seconds. @default 3600 */
  readonly expiresAfterSeconds?: number;
}

/** A response that is returned to the caller but not kept for repeats. */
class UnstoredResponse extends Error {
  constructor(readonly response: HttpResult) {
    super('The response is not a success, so it is not kept for repeats.');
  }
}

/**
 * Wraps a handler so that a request to one of {@link IDEMPOTENT_ROUTES} with an
 * `Idempotency-Key` header runs once: a repeat with the same agent, route and key returns the
 * first response, and one with another method, path or body gets 409 `idempotency_key_reused`.
 * Records live in Redis through Powertools Idempotency (see `makeIdempotentWrite`).
 *
 * Only 2xx responses are kept, so a request that failed, was rejected or came without a valid
 * token leaves nothing behind that a later request could be given. While Redis is down, requests
 * run unprotected, because an ElastiCache outage must only degrade the service.
 */
export function withIdempotentWrites(handler: ApiHandler, options: IdempotentWritesOptions) {
  return async (event: HttpEvent, context: LambdaContext): Promise<HttpResult> => {
    const key = event.headers['idempotency-key'];
    if (key === undefined || !IDEMPOTENT_ROUTES.includes(event.routeKey)) {
      return handler(event, context);
    }
    const problemContext = {
      service: options.service,
      requestId: event.requestContext?.requestId ?? context.awsRequestId,
      instance: event.rawPath,
    };
    try {
      return await runOnce(handler, event, context, checkKey(key), options);
    } catch (error) {
      if (error instanceof UnstoredResponse) return error.response;
      if (error instanceof HappyError) return problemResponse(error, problemContext);
      throw error;
    }
  };
}

async function runOnce(
  handler: ApiHandler,
  event: HttpEvent,
  context: LambdaContext,
  key: string,
  options: IdempotentWritesOptions,
): Promise<HttpResult> {
  const write = makeIdempotentWrite(
    async () => {
      const response = await handler(event, context);
      const status = response.statusCode ?? 200;
      if (status < 200 || status > 299) throw new UnstoredResponse(response);
      return response as JSONValue;
    },
    {
      redis: options.redis,
      name: 'api',
      keyPath: 'key',
      payloadPath: 'payload',
      whenUnavailable: 'run',
      ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
      ...(options.expiresAfterSeconds === undefined
        ? {}
        : { expiresAfterSeconds: options.expiresAfterSeconds }),
    },
  );
  const body = createHash('sha256')
    .update(`${event.isBase64Encoded ? 'base64' : 'text'}:${event.body ?? ''}`)
    .digest('hex');
  const input = {
    key: `${event.pathParameters?.agent ?? ''}|${event.routeKey}|${key}`,
    payload: { method: event.requestContext.http.method, path: event.rawPath, body },
  };
  return (await write(input)) as HttpResult;
}

/**
 * @throws {RequestValidationError} `invalid_idempotency_key` when the header is not 1-255 visible
 *   ASCII characters.
 */
function checkKey(key: string): string {
  if (idempotencyKeySchema.safeParse(key).success) return key;
  throw new RequestValidationError(
    'invalid_idempotency_key',
    'The Idempotency-Key header must be 1-255 visible ASCII characters.',
    { field: 'header.idempotency-key', hint: 'Send a UUID, such as "Idempotency-Key: <uuid>".' },
  );
}
