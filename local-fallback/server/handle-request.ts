import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { HappyError } from '../../lambdas/core/errors.js';
import { AGENT_ID_PATTERN } from '../../lambdas/core/ids.js';
import { internalErrorResponse } from '../../lambdas/handlers/http/problem.js';
import type { HttpEvent, LambdaContext } from '../../lambdas/handlers/http/types.js';
import { checkDeclaredLength, hasRequestBody, readRequestBody } from './body.js';
import type { ActiveResponses } from './client-error.js';
import { createLambdaContext } from './context.js';
import { ClientAbortError, HandlerTimeoutError } from './errors.js';
import { buildHttpEvent, resolveRequestId } from './event.js';
import { parseRequestTarget, type RouteMatch, type RouteMatcher } from './routes.js';
import { serverProblem, toOutgoingResponse, writeResponse } from './response.js';
import type { EdgeHandler, EdgeServerSettings } from './types.js';

/** Time the server waits past a handler's deadline before it responds 503 itself. */
const TIMEOUT_GRACE_MS = 100;

/** Maximum length of the path logged for a request that matched no route. */
const MAX_LOGGED_PATH_LENGTH = 256;

/** Dependencies of {@link handleRequest}, shared by every request of one server. */
export interface RequestDependencies {
  readonly settings: EdgeServerSettings;
  readonly matcher: RouteMatcher;
  readonly activeResponses: ActiveResponses;
  /** Id of this server process, written into Lambda log stream names. */
  readonly instanceId: string;
}

/** State of one request so far, for the log line and for error responses. */
interface RequestState {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly requestId: string;
  readonly receivedAt: number;
  readonly startedAt: number;
  match?: RouteMatch;
  path?: string;
}

/**
 * Serves one request: matches its route, reads its body, builds the API Gateway event, calls
 * the route's handler and writes the result. It never rejects: every error becomes a
 * problem+json response, and unexpected ones are logged once with the request id.
 */
export async function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  expectsContinue: boolean,
  dependencies: RequestDependencies,
): Promise<void> {
  const state: RequestState = {
    request,
    response,
    requestId: resolveRequestId(request.headers['x-request-id']),
    receivedAt: Date.now(),
    startedAt: performance.now(),
  };
  track(state, dependencies);

  try {
    await serve(state, expectsContinue, dependencies);
  } catch (error) {
    respondToError(state, error, dependencies);
  }
}

async function serve(
  state: RequestState,
  expectsContinue: boolean,
  dependencies: RequestDependencies,
): Promise<void> {
  const { request, response } = state;
  const { settings } = dependencies;
  const target = parseRequestTarget(request.url ?? '/');
  state.path = target.decodedPath;
  const match = dependencies.matcher(request.method ?? 'GET', target.segments);
  state.match = match;

  checkDeclaredLength(request, settings.maxBodyBytes);
  if (expectsContinue) response.writeContinue();
  const body = await readRequestBody(request, settings.maxBodyBytes);

  const { requestId, receivedAt } = state;
  const event = buildHttpEvent({ request, body, target, match, requestId, receivedAt }, settings);
  const context = createLambdaContext(
    { handler: match.handler, requestId, receivedAt, timeoutMs: settings.handlerTimeoutMs },
    { accountId: settings.accountId, region: settings.region, instanceId: dependencies.instanceId },
  );
  const result = await invokeHandler(settings.handlers[match.handler], event, context, match);
  writeResponse(response, toOutgoingResponse(result, match.handler, requestId), false);
}

/** Calls a handler, rejecting with a 503 error when it has not returned soon after its deadline. */
async function invokeHandler(
  handler: EdgeHandler,
  event: HttpEvent,
  context: LambdaContext,
  match: RouteMatch,
): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const remainingMs = context.getRemainingTimeInMillis();
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new HandlerTimeoutError(match.handler, remainingMs)),
      remainingMs + TIMEOUT_GRACE_MS,
    );
  });
  try {
    // Calling inside then() turns a synchronous throw into a rejection.
    return await Promise.race([Promise.resolve().then(() => handler(event, context)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function respondToError(state: RequestState, error: unknown, dependencies: RequestDependencies) {
  const { settings } = dependencies;
  // The request log line records the abort; nobody is left to receive a response.
  if (error instanceof ClientAbortError) return;

  const problemContext = {
    service: settings.service,
    requestId: state.requestId,
    instance: state.path ?? '',
  };
  if (!(error instanceof HappyError)) {
    settings.logger.error(
      { err: error, requestId: state.requestId, routeKey: state.match?.routeKey },
      'Request failed with an unexpected error.',
    );
  }
  const result =
    error instanceof HappyError
      ? serverProblem(error, problemContext)
      : internalErrorResponse(problemContext);
  const handler = state.match?.handler ?? 'edge';
  const closeConnection = !state.request.complete && hasRequestBody(state.request);
  writeResponse(
    state.response,
    toOutgoingResponse(result, handler, state.requestId),
    closeConnection,
  );
}

/** Registers the response as in progress and logs one line when its connection is done. */
function track(state: RequestState, dependencies: RequestDependencies): void {
  const { request, response } = state;
  const socket = request.socket;
  dependencies.activeResponses.set(socket, response);

  response.once('close', () => {
    if (dependencies.activeResponses.get(socket) === response) {
      dependencies.activeResponses.delete(socket);
    }
    dependencies.settings.logger.info(requestLogFields(state), 'Request finished.');
  });
}

function requestLogFields(state: RequestState): Record<string, unknown> {
  const { response, match } = state;
  const agentId = match?.pathParameters?.agent;
  return {
    requestId: state.requestId,
    method: state.request.method,
    routeKey: match?.routeKey,
    // Only a path that matched no route is logged, so a 404 can be traced to what was sent.
    path: match ? undefined : state.path?.slice(0, MAX_LOGGED_PATH_LENGTH),
    status: response.headersSent ? response.statusCode : undefined,
    latencyMs: Math.round((performance.now() - state.startedAt) * 100) / 100,
    agentId: agentId !== undefined && AGENT_ID_PATTERN.test(agentId) ? agentId : undefined,
    aborted: response.writableFinished ? undefined : true,
  };
}
