import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, routeKeyOf } from '../../lambdas/handlers/routes.js';
import { createRouteMatcher, parseRequestTarget } from '../../local-fallback/server/routes.js';
import {
  createTestNode,
  directTransport,
  httpTransport,
  type TestNode,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from '../support/transport.js';
import { Normaliser } from './normalise.js';
import { SCRIPT, type ScriptState } from './parity-script.js';

// The same scripted requests go to two fresh nodes, one through a direct handler call on the
// event the server would build, one through the HTTP server. Their responses must agree once
// the values that differ between runs (ids, tokens, versions, times) are normalised. Both nodes
// run task workers, which the script's tasks never race because they start a day later.

interface Exchange {
  readonly request: TransportRequest;
  readonly response: TransportResponse;
  /** The normalised JSON body, or the body bytes in base64 when the body is not JSON. */
  readonly normalised: unknown;
  /** The kept id named by the step's `sameIdAs`, as it was when the step ran. */
  readonly expectedId?: string;
}

const nodes: TestNode[] = [];
const transports: Transport[] = [];
let direct: Exchange[] = [];
let http: Exchange[] = [];

async function runScript(transport: Transport, adminToken: string): Promise<Exchange[]> {
  const state: ScriptState = new Map();
  const normaliser = new Normaliser();
  const exchanges: Exchange[] = [];
  for (const step of SCRIPT) {
    const request = step.request(state, adminToken);
    const response = await transport.send(request);
    if (step.keep && isRecord(response.json)) step.keep(response.json, state);
    const normalised = isJson(response)
      ? normaliser.normalise(response.json)
      : response.bytes.toString('base64');
    const expectedId = step.sameIdAs === undefined ? undefined : state.get(step.sameIdAs);
    exchanges.push({ request, response, normalised, expectedId });
  }
  return exchanges;
}

/** Tells whether a response has a JSON media type, as results and problems do. */
function isJson(response: TransportResponse): boolean {
  const mediaType = (response.headers['content-type'] ?? '').split(';')[0]?.trim();
  return mediaType === 'application/json' || mediaType === 'application/problem+json';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns the `service` of a JSON body, or null for an empty or non-JSON body. */
function serviceOf(response: TransportResponse): unknown {
  if (response.text === '' || !isJson(response)) return null;
  return (response.json as { service?: unknown } | undefined)?.service;
}

/** Returns the `id` of a JSON body, or undefined. */
function idOf(response: TransportResponse): unknown {
  return (response.json as { id?: unknown } | null | undefined)?.id;
}

/** Returns the route key a request matches, or null for requests that match no route. */
function routeKeyOfRequest(request: TransportRequest): string | null {
  const target = parseRequestTarget(request.path);
  try {
    return createRouteMatcher()(request.method, target.segments).routeKey;
  } catch {
    return null;
  }
}

beforeAll(async () => {
  const directNode = createTestNode({ startWorkers: true });
  const httpNode = createTestNode({ startWorkers: true });
  nodes.push(directNode, httpNode);
  transports.push(directTransport(directNode.node), await httpTransport(httpNode.node));
  direct = await runScript(transports[0]!, directNode.adminToken);
  http = await runScript(transports[1]!, httpNode.adminToken);
});

afterAll(async () => {
  for (const transport of transports) await transport.close();
  for (const node of nodes) await node.close();
});

describe('parity script', () => {
  // The /internal/v1/ replication routes take a separate credential and are tested on their own
  // in test/replication.
  it('covers every public route', () => {
    const covered = new Set(direct.map((exchange) => routeKeyOfRequest(exchange.request)));
    const missing = ROUTES.filter((route) => !route.path.startsWith('/internal/'))
      .map(routeKeyOf)
      .filter((key) => !covered.has(key));

    expect(missing).toEqual([]);
  });
});

const steps = SCRIPT.map((step, index) => ({
  name: step.name,
  status: step.status,
  // Steps whose responses have no JSON body: 204 and file downloads. HEAD shows in the method.
  bodyless: step.status === 204 || step.download !== undefined,
  index,
}));

describe.each(steps)('$name', ({ status, bodyless, index }) => {
  it('gets expected status directly', () => {
    expect(direct[index]!.response.status).toBe(status);
  });

  it('gets same status over http', () => {
    expect(http[index]!.response.status).toBe(direct[index]!.response.status);
  });

  it('gets same normalised body', () => {
    expect(http[index]!.normalised).toEqual(direct[index]!.normalised);
  });

  it('gets same allow header', () => {
    expect(http[index]!.response.headers.allow).toBe(direct[index]!.response.headers.allow);
  });

  it('gets same content type', () => {
    expect(http[index]!.response.headers['content-type']).toBe(
      direct[index]!.response.headers['content-type'],
    );
  });

  it('gets same replay header', () => {
    expect(http[index]!.response.headers['idempotent-replayed']).toBe(
      direct[index]!.response.headers['idempotent-replayed'],
    );
  });

  it('gets same etag', () => {
    expect(http[index]!.response.headers.etag).toBe(direct[index]!.response.headers.etag);
  });

  it('names edge service in body', () => {
    const services = [direct[index]!, http[index]!].map((exchange) => serviceOf(exchange.response));
    const withoutBody = bodyless || direct[index]!.request.method === 'HEAD';

    expect(services).toEqual(withoutBody ? [null, null] : ['edge', 'edge']);
  });
});

const replays = SCRIPT.flatMap((step, index) =>
  step.sameIdAs === undefined ? [] : [{ name: step.name, index }],
);

describe.each(replays)('$name replay', ({ index }) => {
  it('returns kept id directly', () => {
    expect(idOf(direct[index]!.response)).toBe(direct[index]!.expectedId);
  });

  it('returns kept id over http', () => {
    expect(idOf(http[index]!.response)).toBe(http[index]!.expectedId);
  });

  it('marks replay directly', () => {
    expect(direct[index]!.response.headers['idempotent-replayed']).toBe('true');
  });
});

const downloads = SCRIPT.flatMap((step, index) =>
  step.download === undefined ? [] : [{ name: step.name, content: step.download, index }],
);

describe.each(downloads)('$name download', ({ content, index }) => {
  /** The body a client receives: the content, or nothing in a response to HEAD. */
  const expectedBody = () => (direct[index]!.request.method === 'HEAD' ? Buffer.alloc(0) : content);

  it('returns file bytes directly', () => {
    expect(direct[index]!.response.bytes).toEqual(expectedBody());
  });

  it('returns same bytes over http', () => {
    expect(http[index]!.response.bytes).toEqual(direct[index]!.response.bytes);
  });

  it('gets file size as length', () => {
    expect(direct[index]!.response.headers['content-length']).toBe(String(content.length));
  });

  it('gets same length over http', () => {
    expect(http[index]!.response.headers['content-length']).toBe(
      direct[index]!.response.headers['content-length'],
    );
  });

  it('gets sha-256 etag', () => {
    const sha256 = createHash('sha256').update(content).digest('hex');

    expect(direct[index]!.response.headers.etag).toBe(`"${sha256}"`);
  });

  it('gets same disposition over http', () => {
    expect(http[index]!.response.headers['content-disposition']).toBe(
      direct[index]!.response.headers['content-disposition'],
    );
  });
});
