import { randomUUID } from 'node:crypto';
import type { HttpEvent, LambdaContext } from '../../lambdas/handlers/index.js';

/** Parts of a request from which {@link apiGatewayEvent} builds an event. */
export interface EventInput {
  readonly method: string;
  /** Route template, such as `/api/v1/{agent}/memory/{id}`. */
  readonly route: string;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** Raw body text, sent as is instead of JSON-encoding `body`. */
  readonly rawBody?: string;
  readonly token?: string;
}

/** Builds an API Gateway HTTP API event (payload format 2.0) as API Gateway would send it. */
export function apiGatewayEvent(input: EventInput): HttpEvent {
  const rawPath = input.route.replace(/\{(\w+)\}/g, (_match, name: string) =>
    encodeURIComponent(input.pathParameters?.[name] ?? ''),
  );
  const headers: Record<string, string> = { host: 'api.example.test', ...input.headers };
  if (input.token) headers.authorization = `Bearer ${input.token}`;
  const body = input.rawBody ?? (input.body === undefined ? undefined : JSON.stringify(input.body));
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const rawQueryString = new URLSearchParams(input.query ?? {}).toString();
  const now = new Date();

  return {
    version: '2.0',
    routeKey: `${input.method} ${input.route}`,
    rawPath,
    rawQueryString,
    headers,
    queryStringParameters: input.query,
    pathParameters: input.pathParameters,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: {
        method: input.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'vitest',
      },
      requestId: randomUUID(),
      routeKey: `${input.method} ${input.route}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body,
    isBase64Encoded: false,
  };
}

/** A Lambda context good enough for handler tests. */
export function lambdaContext(): LambdaContext {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'happy-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:happy-test',
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/happy-test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
