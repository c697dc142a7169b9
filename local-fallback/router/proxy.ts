import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

import { CircuitState, isBrokenCircuitError, isIsolatedCircuitError } from 'cockatiel';

import { ClientAbort } from './client-abort.js';
import type { ExchangeOutcome, ResponseSink } from './exchange.js';
import {
  FAILOVER_HEADER,
  REQUEST_ID_HEADER,
  SERVED_BY_HEADER,
  buildDownstreamHeaders,
  buildUpstreamHeaders,
} from './headers.js';
import { type FailedAttempt, sendAllTargetsDown, sendOutcomeUnknown } from './proxy-problems.js';
import { type RequestBody, readRequestBody } from './request-body.js';
import { sendProblem } from './problem.js';
import type { AttemptRequest, Target } from './target.js';
import { type TargetFailure, type TargetRole, otherRole } from './types.js';

/** Router state and callbacks used by {@link proxyRequest}. */
export interface ProxyContext {
  readonly targets: Readonly<Record<TargetRole, Target>>;
  /** Role that receives traffic first. */
  activeRole(): TargetRole;
  readonly maxRetryBodyBytes: number;
  readonly trustForwardedHeaders: boolean;
  /** Called after every exchange with a target, for metrics and passive health detection. */
  onExchange(target: Target, outcome: ExchangeOutcome, seconds: number): void;
  /** Called when a request goes to a second target after the first one failed. */
  onRetry(from: Target, to: Target, failure: TargetFailure): void;
  /** Called when the router responds with its own error instead of a target response. */
  onRouterError(code: 'all_targets_down' | 'outcome_unknown'): void;
}

/**
 * Returns true when a request may be sent twice: GET, HEAD, or any method with an
 * `Idempotency-Key` header.
 */
export function isSafeToRepeat(req: IncomingMessage): boolean {
  const key = req.headers['idempotency-key'];
  return req.method === 'GET' || req.method === 'HEAD' || (typeof key === 'string' && key !== '');
}

/** A client request ready to send: the same headers and body go to every target tried. */
interface PreparedRequest {
  readonly requestId: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: RequestBody;
  readonly retryable: boolean;
  readonly clientAbort: ClientAbort;
}

/**
 * Proxies one client request: to the active target first and, when that fails in a way that
 * allows it, to the other target within the same client call. A request is sent to a second
 * target only when it is safe to repeat or when it provably never reached the first one.
 */
export async function proxyRequest(
  context: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (rejectOversizedBody(req, res)) {
    return;
  }
  const prepared = await prepare(context, req, res);
  const active = context.activeRole();
  const order = [context.targets[active], context.targets[otherRole(active)]];
  const failures: FailedAttempt[] = [];

  for (const [index, target] of order.entries()) {
    const last = index === order.length - 1;
    const retried = failures.some((failed) => failed.failure.kind !== 'breaker_open');
    const outcome = await tryTarget(context, { req, res, prepared }, target, { last, retried });

    if (outcome.kind === 'body_too_large') {
      sendPayloadTooLarge(req, res, 'The body is larger than the router forwards.');
      return;
    }
    const next = nextStep(outcome, prepared);
    if (next === 'done') {
      return;
    }
    const failure = failureOf(outcome);
    failures.push({ target, failure });
    if (next === 'unknown') {
      context.onRouterError('outcome_unknown');
      sendOutcomeUnknown(res, target, failure, prepared.requestId);
      return;
    }
    const nextTarget = order[index + 1];
    if (nextTarget !== undefined) {
      context.onRetry(target, nextTarget, failure);
    }
  }
  context.onRouterError('all_targets_down');
  sendAllTargetsDown(res, failures, prepared.requestId);
}

interface ClientExchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly prepared: PreparedRequest;
}

function tryTarget(
  context: ProxyContext,
  client: ClientExchange,
  target: Target,
  position: { readonly last: boolean; readonly retried: boolean },
): Promise<ExchangeOutcome> {
  const { req, res, prepared } = client;
  const request: AttemptRequest = {
    method: req.method ?? 'GET',
    path: originPath(req.url ?? '/'),
    headers: prepared.headers,
    body: bodyFor(prepared.body),
    clientAbort: prepared.clientAbort,
    holdFailures: prepared.retryable && !position.last,
  };
  const sink = new ClientResponseSink(res, target.label, position.retried, prepared.requestId);
  return attemptWithBreaker(context, target, request, sink, position.last);
}

async function prepare(
  context: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<PreparedRequest> {
  const clientAbort = new ClientAbort();
  res.on('close', () => {
    if (!res.writableFinished) {
      clientAbort.abort();
    }
  });

  const requestId = headerValue(req, REQUEST_ID_HEADER) ?? randomUUID();
  const wantRetry = isSafeToRepeat(req);
  const { body, retryable } = await readRequestBody(
    req,
    wantRetry,
    context.maxRetryBodyBytes,
    MAX_FORWARDED_BODY_BYTES,
  );
  const headers = buildUpstreamHeaders(req.headers, {
    clientAddress: req.socket.remoteAddress ?? 'unknown',
    host: req.headers.host,
    protocol: 'http',
    trustIncoming: context.trustForwardedHeaders,
  });
  headers[REQUEST_ID_HEADER] = requestId;
  return { requestId, headers, body, retryable, clientAbort };
}

/**
 * Largest request body the router forwards: API Gateway's payload limit, which both targets
 * apply. A target rejects a larger body with 413 and may close the connection while the router
 * is still sending it, which would look like a failed target and flip traffic.
 */
export const MAX_FORWARDED_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Returns 413 to a request whose Content-Length exceeds {@link MAX_FORWARDED_BODY_BYTES}, before
 * it reaches any target, and returns true when it did. A chunked body, of undeclared length, is
 * counted while it streams instead and gets the same 413 when it passes the limit.
 */
function rejectOversizedBody(req: IncomingMessage, res: ServerResponse): boolean {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (!(declared > MAX_FORWARDED_BODY_BYTES)) {
    return false;
  }
  sendPayloadTooLarge(req, res, `The body has ${declared} bytes.`);
  return true;
}

/** Sends 413 unless a response has started, then discards the rest of the body and closes. */
function sendPayloadTooLarge(req: IncomingMessage, res: ServerResponse, detail: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendProblem(
    res,
    {
      status: 413,
      code: 'payload_too_large',
      title: 'Payload too large',
      detail: `${detail} At most ${MAX_FORWARDED_BODY_BYTES} bytes are accepted.`,
      hint: 'Send a smaller body; store large content as files of at most the file size limit.',
    },
    { connection: 'close' },
  );
  req.resume();
}

// A client that treats the router as a forward proxy sends an absolute URL (RFC 9112 section
// 3.2.2). The target gets only its path and query.
function originPath(url: string): string {
  if (url.startsWith('/')) {
    return url;
  }
  const parsed = URL.canParse(url) ? new URL(url) : new URL(`/${url}`, 'http://router');
  return `${parsed.pathname}${parsed.search}`;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function bodyFor(body: RequestBody): Buffer | AsyncIterable<Buffer> | null {
  switch (body.kind) {
    case 'none':
      return null;
    case 'buffered':
      return body.buffer;
    case 'streamed':
      return body.stream.open();
  }
}

// Runs one exchange through the target's breaker. A half-open breaker is testing the target
// with one request, so other requests go to the other target instead of queueing behind that
// test. The last target left is always tried.
async function attemptWithBreaker(
  context: ProxyContext,
  target: Target,
  request: AttemptRequest,
  sink: ResponseSink,
  last: boolean,
): Promise<ExchangeOutcome> {
  if (!last && target.breaker.state === CircuitState.HalfOpen) {
    return breakerOutcome('circuit breaker is half-open and testing the target');
  }

  const started = performance.now();
  let outcome: ExchangeOutcome;
  try {
    outcome = await target.breaker.execute(() => target.attempt(request, sink));
  } catch (error) {
    if (isBrokenCircuitError(error) || isIsolatedCircuitError(error)) {
      return breakerOutcome('circuit breaker is open');
    }
    // attempt() never rejects, so this is a bug; nothing proves the request was not sent.
    const message = error instanceof Error ? error.message : String(error);
    outcome = { kind: 'failed', failure: { kind: 'other', message }, sent: true };
  }
  context.onExchange(target, outcome, (performance.now() - started) / 1000);
  return outcome;
}

function breakerOutcome(message: string): ExchangeOutcome {
  return { kind: 'failed', failure: { kind: 'breaker_open', message }, sent: false };
}

// 'done': the client has its response. 'next': try the other target. 'unknown': the request may
// have reached a target and must not be sent again.
function nextStep(
  outcome: ExchangeOutcome,
  prepared: PreparedRequest,
): 'done' | 'next' | 'unknown' {
  if (
    outcome.kind === 'forwarded' ||
    outcome.kind === 'client_aborted' ||
    outcome.kind === 'body_too_large'
  ) {
    return 'done';
  }
  if (outcome.kind === 'held' || prepared.retryable) {
    return 'next';
  }
  const body = prepared.body;
  const bodyRead = body.kind === 'streamed' && body.stream.started;
  return outcome.sent || bodyRead ? 'unknown' : 'next';
}

function failureOf(outcome: ExchangeOutcome): TargetFailure {
  if (outcome.kind === 'held' || outcome.kind === 'failed') {
    return outcome.failure;
  }
  return { kind: 'other', message: `unexpected outcome ${outcome.kind}` };
}

// A class rather than an object of arrow functions, because one is made for every proxied
// request. Under tsx, esbuild's keepNames sets the name of each such arrow function with
// Object.defineProperty, which took about 3 µs per request in a microbenchmark on Node 20.
class ClientResponseSink implements ResponseSink {
  constructor(
    private readonly res: ServerResponse,
    private readonly label: string,
    private readonly retried: boolean,
    private readonly requestId: string,
  ) {}

  head(status: number, upstream: IncomingHttpHeaders): void {
    const headers = buildDownstreamHeaders(upstream);
    headers[SERVED_BY_HEADER] = this.label;
    headers[REQUEST_ID_HEADER] = this.requestId;
    if (this.retried) {
      headers[FAILOVER_HEADER] = 'retried';
    }
    this.res.writeHead(status, headers);
  }

  write(chunk: Buffer): boolean {
    return this.res.write(chunk);
  }

  onceDrain(callback: () => void): void {
    this.res.once('drain', callback);
  }

  end(): void {
    this.res.end();
  }

  destroy(error: Error): void {
    this.res.destroy(error);
  }
}
