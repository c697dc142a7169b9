import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { HappyError } from '../../lambdas/core/errors.js';
import type { ServiceName } from '../../lambdas/handlers/http/types.js';
import { serverProblem } from './response.js';

/** The response in progress on each connection, so a client error never corrupts one. */
export type ActiveResponses = WeakMap<Duplex, ServerResponse>;

/** Settings of {@link createClientErrorListener}. */
export interface ClientErrorSettings {
  readonly logger: Logger;
  readonly service: ServiceName;
  readonly activeResponses: ActiveResponses;
}

/**
 * Creates the `clientError` listener of the server. Node calls it for requests it cannot
 * parse and for connections that time out. It responds with a problem+json body where Node
 * would write a bare status line: 431 for oversized headers, 408 for a timeout, and 400 for
 * anything else. A connection the client reset, or whose response has started, is destroyed.
 */
export function createClientErrorListener(settings: ClientErrorSettings) {
  return (error: NodeJS.ErrnoException, socket: Duplex): void => {
    const response = settings.activeResponses.get(socket);
    if (error.code === 'ECONNRESET' || !socket.writable || response?.headersSent) {
      socket.destroy();
      return;
    }

    const requestId = randomUUID();
    const problem = problemFor(error.code);
    settings.logger.info(
      { requestId, status: problem.status, code: problem.code, errorCode: error.code },
      'Rejected a request that could not be parsed or timed out.',
    );
    const result = serverProblem(problem, { service: settings.service, requestId, instance: '' });
    socket.end(serializeResponse(problem.status, result.body ?? '', requestId));
  };
}

function problemFor(code: string | undefined): HappyError {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return new HappyError(431, 'headers_too_large', 'The request headers are too large.', {
      hint: 'Send fewer or shorter headers.',
    });
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new HappyError(408, 'request_timeout', 'The request did not arrive in time.', {
      hint: 'Send the whole request, body included, without pausing.',
    });
  }
  return new HappyError(400, 'malformed_request', 'The request is not valid HTTP/1.1.', {
    hint: 'Check the request line, the headers and the body framing.',
  });
}

function serializeResponse(status: number, body: string, requestId: string): string {
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'content-type: application/problem+json',
    `content-length: ${Buffer.byteLength(body)}`,
    `x-request-id: ${requestId}`,
    'connection: close',
    '',
    body,
  ].join('\r\n');
}
