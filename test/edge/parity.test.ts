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
// the values that differ between runs (ids, tokens, versions, times) are normalised.

interface Exchange {
  readonly request: TransportRequest;
  readonly response: TransportResponse;
  readonly normalised: unknown;
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
    exchanges.push({ request, response, normalised: normaliser.normalise(response.json) });
  }
  return exchanges;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns the `service` of a JSON body, or null for an empty body. */
function serviceOf(response: TransportResponse): unknown {
  if (response.text === '') return null;
  return (response.json as { service?: unknown } | undefined)?.service;
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
  const directNode = createTestNode();
  const httpNode = createTestNode();
  nodes.push(directNode, httpNode);
  transports.push(directTransport(directNode.node), await httpTransport(httpNode.node));
  direct = await runScript(transports[0]!, directNode.adminToken);
  http = await runScript(transports[1]!, httpNode.adminToken);
});

afterAll(async () => {
  for (const transport of transports) await transport.close();
  for (const node of nodes) node.close();
});

describe('parity script', () => {
  it('covers every route', () => {
    const covered = new Set(direct.map((exchange) => routeKeyOfRequest(exchange.request)));
    const missing = ROUTES.map(routeKeyOf).filter((key) => !covered.has(key));

    expect(missing).toEqual([]);
  });
});

const steps = SCRIPT.map((step, index) => ({ name: step.name, status: step.status, index }));

describe.each(steps)('$name', ({ status, index }) => {
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

  it('names edge service in body', () => {
    const services = [direct[index]!, http[index]!].map((exchange) => serviceOf(exchange.response));

    expect(services).toEqual(status === 204 ? [null, null] : ['edge', 'edge']);
  });
});
