import type { IncomingHttpHeaders } from 'node:http';

import type { Dispatcher } from 'undici';

import type { ClientAbort } from './client-abort.js';
import { BodyTooLargeError } from './request-body.js';
import type { TargetFailure } from './types.js';

/** Destination of a forwarded target response: the client response. */
export interface ResponseSink {
  head(status: number, headers: IncomingHttpHeaders): void;
  /** Writes a chunk and returns false when the client is not keeping up. */
  write(chunk: Buffer): boolean;
  onceDrain(callback: () => void): void;
  end(): void;
  /** Cuts the client connection, the only honest end of a response broken halfway. */
  destroy(error: Error): void;
}

/**
 * Requests in flight to one target that may still go to the other target and have no response
 * headers yet. When traffic flips away from the target, the router cancels them, so they go to
 * the other target at once instead of waiting for this one's timeout.
 */
export class WaitingRequests {
  readonly #requests = new Set<CancellableRequest>();

  /** Adds a request until {@link remove} or {@link cancelAll}. */
  add(request: CancellableRequest): void {
    this.#requests.add(request);
  }

  /** Removes a request, once it has response headers or has ended. */
  remove(request: CancellableRequest): void {
    this.#requests.delete(request);
  }

  /** Cancels every waiting request and returns how many there were. */
  cancelAll(): number {
    const requests = [...this.#requests];
    this.#requests.clear();
    for (const request of requests) {
      request.cancel();
    }
    return requests.length;
  }
}

/**
 * A request in {@link WaitingRequests}. The exchange handler is one itself, so that a request
 * on the hot path allocates no callback to take part.
 */
export interface CancellableRequest {
  cancel(): void;
}

/** One request to one target. */
export interface ExchangeRequest {
  readonly method: string;
  /** Path and query, already prefixed with the target's base path. */
  readonly path: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer | AsyncIterable<Buffer> | null;
  /** Aborted when the client goes away. */
  readonly clientAbort: ClientAbort;
  /** Keep a 5xx or 429 response from the client, so the request can go to the other target. */
  readonly holdFailures: boolean;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  /** Set for a request that may go to the other target: it is cancelled there on a flip. */
  readonly waiting?: WaitingRequests;
}

/**
 * End state of one exchange with a target.
 *
 * - `forwarded`: the response went to the client; `failure` is set for a 5xx or 429 status or
 *   for a body that broke off.
 * - `held`: a 5xx or 429 response was kept from the client (`holdFailures`).
 * - `failed`: no response. `sent` is true when any byte of the request may have reached the
 *   target. When it is false, the request can go to another target whatever its method.
 * - `client_aborted`: the client went away. It does not count against the target.
 * - `body_too_large`: the client sent a body of undeclared length above the router's limit, so
 *   the exchange was aborted before the target had the whole body. It does not count either.
 */
export type ExchangeOutcome =
  | { readonly kind: 'forwarded'; readonly status: number; readonly failure?: TargetFailure }
  | { readonly kind: 'held'; readonly status: number; readonly failure: TargetFailure }
  | { readonly kind: 'failed'; readonly failure: TargetFailure; readonly sent: boolean }
  | { readonly kind: 'client_aborted' }
  | { readonly kind: 'body_too_large' };

/** Returns true for statuses that count against a target: 5xx and 429. */
export function isFailureStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/** Returns true for outcomes that count as a failure of the target in its circuit breaker. */
export function isFailedOutcome(outcome: unknown): boolean {
  const kind = (outcome as ExchangeOutcome | undefined)?.kind;
  if (kind === 'forwarded') {
    return (outcome as { failure?: TargetFailure }).failure !== undefined;
  }
  return kind === 'held' || kind === 'failed';
}

/** Describes a failure status as a {@link TargetFailure}. */
export function statusFailure(status: number): TargetFailure {
  return { kind: 'status', status, message: `responded with status ${status}` };
}

const CONNECT_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED']);

/** Classifies an undici or socket error by its `code`. */
export function classifyError(error: unknown): TargetFailure {
  const code = (error as { code?: unknown } | null)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && CONNECT_ERROR_CODES.has(code)) {
    return { kind: 'connect_error', message: `connection failed (${code})` };
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { kind: 'connect_timeout', message: 'connect timed out' };
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return { kind: 'timeout', message: 'response headers timed out' };
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return { kind: 'timeout', message: 'response body timed out' };
  }
  if (typeof code === 'string' && RESET_CODES.has(code)) {
    return { kind: 'reset', message: `connection reset (${detail})` };
  }
  return { kind: 'other', message: detail };
}

// A held error response is drained so the connection can be reused, unless it is this big.
const MAX_HELD_BODY_BYTES = 64 * 1024;

class ClientAbortedError extends Error {
  constructor() {
    super('client closed the connection');
  }
}

class AbandonedError extends Error {
  constructor() {
    super('traffic flipped to the other target before the response started');
  }
}

/** Failure of a request cancelled by {@link WaitingRequests.cancelAll}. */
export const ABANDONED_FAILURE: TargetFailure = {
  kind: 'abandoned',
  message: 'traffic flipped to the other target before the response started',
};

/** undici dispatch handler that streams one response to a {@link ResponseSink}. */
class ExchangeHandler implements Dispatcher.DispatchHandler, CancellableRequest {
  #sent = false;
  #mode: 'waiting' | 'forwarding' | 'holding' = 'waiting';
  #status = 0;
  #heldBytes = 0;
  #settled = false;
  #controller: Dispatcher.DispatchController | undefined;
  #abandoned = false;
  readonly #stopListening: () => void;

  constructor(
    private readonly request: ExchangeRequest,
    private readonly sink: ResponseSink,
    private readonly settle: (outcome: ExchangeOutcome) => void,
  ) {
    this.#stopListening = request.clientAbort.onAbort(() => {
      this.#controller?.abort(new ClientAbortedError());
    });
    request.waiting?.add(this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#sent = true;
    this.#controller = controller;
    if (this.request.clientAbort.aborted) {
      controller.abort(new ClientAbortedError());
    } else if (this.#abandoned) {
      controller.abort(new AbandonedError());
    }
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (status < 200) {
      return;
    }

    this.request.waiting?.remove(this);
    this.#status = status;
    if (isFailureStatus(status) && this.request.holdFailures) {
      this.#mode = 'holding';
      this.#finish({ kind: 'held', status, failure: statusFailure(status) });
      return;
    }
    // A header that node:http rejects throws here, before anything reached the client, so the
    // mode changes only afterwards and the request can still go elsewhere or get a problem.
    this.sink.head(status, headers);
    this.#mode = 'forwarding';
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#mode === 'holding') {
      this.#heldBytes += chunk.length;
      if (this.#heldBytes > MAX_HELD_BODY_BYTES) {
        controller.abort(new Error('held error response too large to drain'));
      }
      return;
    }

    if (!this.sink.write(chunk)) {
      controller.pause();
      this.sink.onceDrain(() => controller.resume());
    }
  }

  onResponseEnd(): void {
    if (this.#mode !== 'forwarding') {
      return;
    }

    this.sink.end();
    const failure = isFailureStatus(this.#status) ? statusFailure(this.#status) : undefined;
    this.#finish({ kind: 'forwarded', status: this.#status, failure });
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (this.#mode === 'forwarding') {
      this.sink.destroy(error);
    }
    if (error instanceof ClientAbortedError || this.request.clientAbort.aborted) {
      this.#finish({ kind: 'client_aborted' });
    } else if (error instanceof AbandonedError) {
      this.#finish({ kind: 'failed', failure: ABANDONED_FAILURE, sent: this.#sent });
    } else if (error instanceof BodyTooLargeError) {
      this.#finish({ kind: 'body_too_large' });
    } else if (this.#mode === 'forwarding') {
      this.#finish({ kind: 'forwarded', status: this.#status, failure: classifyError(error) });
    } else {
      this.#finish({ kind: 'failed', failure: classifyError(error), sent: this.#sent });
    }
  }

  /** Aborts the request because traffic flipped away, so that it goes to the other target now. */
  cancel(): void {
    this.#abandoned = true;
    this.#controller?.abort(new AbandonedError());
  }

  #finish(outcome: ExchangeOutcome): void {
    if (!this.#settled) {
      this.#settled = true;
      this.#stopListening();
      this.request.waiting?.remove(this);
      this.settle(outcome);
    }
  }
}

/**
 * Sends one request through an undici dispatcher and streams the response to the sink with
 * backpressure. Never rejects: every end is an {@link ExchangeOutcome}.
 */
export function exchange(
  dispatcher: Dispatcher,
  request: ExchangeRequest,
  sink: ResponseSink,
): Promise<ExchangeOutcome> {
  return new Promise((resolve) => {
    const handler = new ExchangeHandler(request, sink, resolve);
    try {
      dispatcher.dispatch(
        {
          method: request.method as Dispatcher.HttpMethod,
          path: request.path,
          headers: request.headers,
          // undici 7 accepts async iterables as bodies at run time (lib/core/request.js), but
          // its DispatchOptions type lists only buffers, strings, streams and FormData.
          body: request.body as Dispatcher.DispatchOptions['body'],
          headersTimeout: request.headersTimeoutMs,
          bodyTimeout: request.bodyTimeoutMs,
        },
        handler,
      );
    } catch (error) {
      // Nothing was sent; this also takes the request off the target's waiting list.
      handler.onResponseError(undefined, error as Error);
    }
  });
}
