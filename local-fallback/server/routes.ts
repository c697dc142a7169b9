import { RequestValidationError, ResourceNotFoundError } from '../../lambdas/core/errors.js';
import {
  ROUTES,
  routeKeyOf,
  type HandlerName,
  type RouteDefinition,
} from '../../lambdas/handlers/routes.js';
import { MethodNotAllowedError, PathTooLongError } from './errors.js';

/** Maximum length of a request path, in characters, before decoding. */
export const MAX_PATH_LENGTH = 2048;

/** The path and query of a request target, split at the first `?`. */
export interface RequestTarget {
  /** Path as received, still percent-encoded. */
  readonly encodedPath: string;
  /** Path with each segment percent-decoded, as HTTP APIs pass it in `rawPath`. */
  readonly decodedPath: string;
  /** Decoded path segments; `/` gives one empty segment. */
  readonly segments: readonly string[];
  /** Query string as received, without the `?`; empty when there is none. */
  readonly rawQueryString: string;
}

/** A route that a request matched, with its decoded path parameters. */
export interface RouteMatch {
  readonly route: RouteDefinition;
  readonly handler: HandlerName;
  /** API Gateway route key, such as `GET /api/v1/{agent}/memory/{id}`. */
  readonly routeKey: string;
  /** Decoded values of the `{param}` segments; undefined when the route has none. */
  readonly pathParameters: Readonly<Record<string, string>> | undefined;
}

/** Matches a method and decoded path segments against the routes. */
export type RouteMatcher = (method: string, segments: readonly string[]) => RouteMatch;

type Segment = { readonly literal: string } | { readonly param: string };

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly routeKey: string;
  readonly segments: readonly Segment[];
}

/**
 * Splits a request target into path and query and decodes the path segments.
 *
 * An encoded slash (`%2F`) inside a segment is rejected rather than decoded. HTTP APIs decode
 * the path before they match routes, so the cloud cannot route such a request to a `{param}`
 * either. Serving it at the edge would make a record reachable on one path only.
 *
 * @throws {PathTooLongError} when the path has more than {@link MAX_PATH_LENGTH} characters.
 * @throws {RequestValidationError} `invalid_request_target`, `malformed_path` or
 *   `encoded_slash_in_path`.
 */
export function parseRequestTarget(url: string): RequestTarget {
  const queryStart = url.indexOf('?');
  const encodedPath = queryStart === -1 ? url : url.slice(0, queryStart);
  const rawQueryString = queryStart === -1 ? '' : url.slice(queryStart + 1);
  if (!encodedPath.startsWith('/')) {
    throw new RequestValidationError(
      'invalid_request_target',
      'The request target is not a path.',
      {
        field: 'path',
        hint: 'Send the request in origin form, such as "GET /health HTTP/1.1".',
      },
    );
  }
  if (encodedPath.length > MAX_PATH_LENGTH) {
    throw new PathTooLongError(encodedPath.length, MAX_PATH_LENGTH);
  }

  const segments = encodedPath.slice(1).split('/').map(decodeSegment);
  return { encodedPath, decodedPath: `/${segments.join('/')}`, segments, rawQueryString };
}

/**
 * Creates a matcher over `routes` that picks routes the way API Gateway does. Among the routes
 * of the request method whose template matches, the most specific wins. Segments are compared
 * from left to right, and a literal segment beats a `{param}` segment.
 */
export function createRouteMatcher(routes: readonly RouteDefinition[] = ROUTES): RouteMatcher {
  const compiled = routes.map(compileRoute);

  return (method, segments) => {
    const candidates = compiled.filter((entry) => matchesPath(entry, segments));
    const sameMethod = candidates.filter((entry) => entry.route.method === method);
    const best = sameMethod.reduce<CompiledRoute | undefined>(
      (current, entry) => (current && compareSpecificity(current, entry) <= 0 ? current : entry),
      undefined,
    );
    if (best) return toMatch(best, segments);

    if (candidates.length > 0) {
      const allow = [...new Set(candidates.map((entry) => entry.route.method))].sort();
      throw new MethodNotAllowedError(method, allow);
    }
    throw new ResourceNotFoundError('route_not_found', `No route matches ${method} on this path.`, {
      field: 'path',
      hint: 'Check the path against GET /docs.',
    });
  };
}

function decodeSegment(segment: string): string {
  if (/%2f/i.test(segment)) {
    throw new RequestValidationError(
      'encoded_slash_in_path',
      'The path contains an encoded slash (%2F) inside a segment.',
      { field: 'path', hint: 'Use ids and keys without "/", or send such values in the body.' },
    );
  }
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RequestValidationError('malformed_path', 'The path has invalid percent-encoding.', {
      field: 'path',
      hint: 'Percent-encode each path segment as UTF-8, such as "%20" for a space.',
    });
  }
}

function compileRoute(route: RouteDefinition): CompiledRoute {
  const segments = route.path
    .slice(1)
    .split('/')
    .map((part): Segment => {
      const param = /^\{([A-Za-z0-9_]+)\}$/.exec(part)?.[1];
      return param === undefined ? { literal: part } : { param };
    });
  return { route, routeKey: routeKeyOf(route), segments };
}

function matchesPath(entry: CompiledRoute, segments: readonly string[]): boolean {
  if (entry.segments.length !== segments.length) return false;
  return entry.segments.every((segment, index) => {
    const value = segments[index] ?? '';
    // API Gateway never matches a path parameter to an empty segment.
    return 'literal' in segment ? segment.literal === value : value !== '';
  });
}

/** Negative when `a` is more specific than `b`, positive when less, zero when equal. */
function compareSpecificity(a: CompiledRoute, b: CompiledRoute): number {
  for (let index = 0; index < a.segments.length; index += 1) {
    const aLiteral = 'literal' in (a.segments[index] ?? {});
    const bLiteral = 'literal' in (b.segments[index] ?? {});
    if (aLiteral !== bLiteral) return aLiteral ? -1 : 1;
  }
  return 0;
}

function toMatch(entry: CompiledRoute, segments: readonly string[]): RouteMatch {
  const parameters: Record<string, string> = {};
  entry.segments.forEach((segment, index) => {
    if ('param' in segment) parameters[segment.param] = segments[index] ?? '';
  });
  const hasParameters = Object.keys(parameters).length > 0;
  return {
    route: entry.route,
    handler: entry.route.handler,
    routeKey: entry.routeKey,
    pathParameters: hasParameters ? parameters : undefined,
  };
}
