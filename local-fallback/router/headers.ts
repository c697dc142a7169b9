import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop headers (RFC 9110 section 7.6.1), which describe one connection and are never
 * forwarded. `proxy-connection` is a non-standard one that some clients still send. Requests
 * also lose `host`, because undici sets the target's host itself, and `expect`, because undici
 * rejects it and node:http has already sent `100 Continue` to the client.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const REQUEST_ONLY_DROPPED = new Set(['host', 'expect']);

/** Names of the response headers the router sets itself. */
export const SERVED_BY_HEADER = 'x-happy-served-by';

/** Header set to `retried` when the request was retried on the other target. */
export const FAILOVER_HEADER = 'x-happy-failover';

/** Header that carries the request id to the target and back to the client. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Client address and protocol as seen by the router. */
export interface ForwardedFrom {
  readonly clientAddress: string;
  readonly host: string | undefined;
  readonly protocol: 'http' | 'https';
  /** Extend incoming `x-forwarded-*` values instead of replacing them. */
  readonly trustIncoming: boolean;
}

// Names listed in Connection are hop-by-hop too (RFC 9110 section 7.6.1).
const NO_TOKENS: ReadonlySet<string> = new Set();

function connectionTokens(headers: IncomingHttpHeaders): ReadonlySet<string> {
  const value = headers.connection;
  if (value === undefined || value === 'keep-alive' || value === 'close') {
    return NO_TOKENS;
  }
  const tokens = new Set<string>();
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '') {
      tokens.add(name);
    }
  }
  return tokens;
}

function isDropped(
  name: string,
  listed: ReadonlySet<string>,
  extra?: ReadonlySet<string>,
): boolean {
  return HOP_BY_HOP.has(name) || listed.has(name) || (extra?.has(name) ?? false);
}

/**
 * Builds the headers sent to a target: end-to-end headers of the client request plus
 * `x-forwarded-for`, `x-forwarded-proto` and `x-forwarded-host`.
 */
export function buildUpstreamHeaders(
  incoming: IncomingHttpHeaders,
  from: ForwardedFrom,
): Record<string, string | string[]> {
  const listed = connectionTokens(incoming);
  const headers: Record<string, string | string[]> = {};
  // for...in allocates no array of entries, unlike Object.entries, on every proxied request.
  for (const name in incoming) {
    const value = incoming[name];
    if (value !== undefined && !isDropped(name, listed, REQUEST_ONLY_DROPPED)) {
      headers[name] = value;
    }
  }

  const priorFor = from.trustIncoming ? incoming['x-forwarded-for'] : undefined;
  const priorList = Array.isArray(priorFor) ? priorFor.join(', ') : priorFor;
  headers['x-forwarded-for'] = priorList
    ? `${priorList}, ${from.clientAddress}`
    : from.clientAddress;
  const priorProto = from.trustIncoming ? incoming['x-forwarded-proto'] : undefined;
  headers['x-forwarded-proto'] = typeof priorProto === 'string' ? priorProto : from.protocol;
  const priorHost = from.trustIncoming ? incoming['x-forwarded-host'] : undefined;
  const host = typeof priorHost === 'string' ? priorHost : from.host;
  if (host !== undefined) {
    headers['x-forwarded-host'] = host;
  } else {
    delete headers['x-forwarded-host'];
  }
  return headers;
}

/** Builds the headers sent to the client from a target response, without hop-by-hop headers. */
export function buildDownstreamHeaders(upstream: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = connectionTokens(upstream);
  const headers: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    const value = upstream[name];
    const lowerName = name.toLowerCase();
    if (value !== undefined && !isDropped(lowerName, listed)) {
      headers[lowerName] = value;
    }
  }
  return headers;
}
