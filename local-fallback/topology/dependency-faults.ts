import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { isAuthorized } from '../router/admin.js';
import { sendJson, sendProblem } from '../router/problem.js';
import { startTcpProxy, type ProxyMode, type TcpProxy } from './tcp-proxy.js';

/** Largest accepted fault request body; a valid one is under 100 bytes. */
const MAX_BODY_BYTES = 4096;

/** Path of the dependency fault endpoints of the cloud stand-in. */
export const FAULTS_PATH = '/stand-in/faults';

/**
 * Dependencies of the stand-in a fault can cut. `s3` cuts moto, which serves SQS too, so the
 * task queue fails with it.
 */
export const DEPENDENCIES = ['opensearch', 'elasticache', 's3'] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

/** Engine URLs the switch sits in front of. */
export interface EngineUrls {
  readonly openSearchUrl: string;
  readonly motoUrl: string;
  readonly redisUrl: string | undefined;
}

const faultSchema = z.strictObject({
  dependency: z.enum(DEPENDENCIES),
  /** `down` resets every connection, `hang` accepts and never responds, `slow` delays data. */
  mode: z.enum(['down', 'hang', 'slow']).default('down'),
  latency_ms: z.number().int().min(1).max(60_000).default(1000),
});

/**
 * TCP proxies between the stand-in and its engines, so a drill can take one dependency away
 * the way an outage would: connections refused, hung or slow, crossing the real adapters, their
 * timeouts and their breakers.
 */
export class DependencyFaultSwitch {
  private readonly active = new Map<Dependency, { mode: string; since: string }>();

  private constructor(
    private readonly proxies: ReadonlyMap<Dependency, TcpProxy>,
    /** URLs the stand-in's clients use: the engines' URLs with the proxies' ports. */
    readonly urls: { openSearch: string; moto: string; redis: string | undefined },
  ) {}

  /** Starts one proxy per engine on free loopback ports. */
  static async start(engines: EngineUrls): Promise<DependencyFaultSwitch> {
    const proxies = new Map<Dependency, TcpProxy>();
    const through = async (dependency: Dependency, url: string): Promise<string> => {
      const parsed = new URL(url);
      const proxy = await startTcpProxy(Number(parsed.port));
      proxies.set(dependency, proxy);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(proxy.port);
      return parsed.toString().replace(/\/$/, '');
    };
    const urls = {
      openSearch: await through('opensearch', engines.openSearchUrl),
      moto: await through('s3', engines.motoUrl),
      redis: engines.redisUrl ? await through('elasticache', engines.redisUrl) : undefined,
    };
    return new DependencyFaultSwitch(proxies, urls);
  }

  /**
   * Applies a fault to one dependency, replacing any earlier fault of it.
   *
   * @returns false when the stand-in does not use that dependency.
   */
  inject(dependency: Dependency, mode: ProxyMode): boolean {
    const proxy = this.proxies.get(dependency);
    if (!proxy) return false;
    proxy.setMode(mode);
    this.active.set(dependency, { mode: mode.kind, since: new Date().toISOString() });
    return true;
  }

  /** Ends the fault of one dependency; returns false when it had none. */
  clear(dependency: Dependency): boolean {
    const proxy = this.proxies.get(dependency);
    if (!proxy || !this.active.has(dependency)) return false;
    proxy.setMode({ kind: 'pass' });
    this.active.delete(dependency);
    return true;
  }

  /** Lists the active faults. */
  list(): { dependency: Dependency; mode: string; since: string }[] {
    return [...this.active].map(([dependency, fault]) => ({ dependency, ...fault }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((proxy) => proxy.close()));
  }
}

/**
 * Serves `GET /stand-in/faults`, `POST /stand-in/faults` with
 * `{"dependency", "mode"?, "latency_ms"?}` and `DELETE /stand-in/faults/{dependency}`, to the
 * admin token only.
 */
export async function handleFaultRequest(
  req: IncomingMessage,
  res: ServerResponse,
  faults: DependencyFaultSwitch,
  adminToken: string,
): Promise<void> {
  if (!isAuthorized(req.headers.authorization, adminToken)) {
    sendProblem(res, {
      status: 401,
      code: 'unauthorized',
      title: 'Unauthorized',
      detail: 'Send the admin token as "Authorization: Bearer <token>".',
      service: 'cloud',
    });
    return;
  }
  const path = (req.url ?? '').split('?')[0] ?? '';
  if (path === FAULTS_PATH && req.method === 'GET') {
    sendJson(res, 200, { faults: faults.list(), service: 'cloud' });
    return;
  }
  if (path === FAULTS_PATH && req.method === 'POST') {
    await addFault(req, res, faults);
    return;
  }
  const dependency = path.slice(FAULTS_PATH.length + 1);
  if (req.method === 'DELETE' && isDependency(dependency)) {
    if (faults.clear(dependency)) res.writeHead(204).end();
    else sendNotFound(res, `No active fault on ${dependency}; list them with GET ${FAULTS_PATH}.`);
    return;
  }
  sendNotFound(res, `No fault resource at ${path}; use ${FAULTS_PATH} or ${FAULTS_PATH}/{name}.`);
}

async function addFault(
  req: IncomingMessage,
  res: ServerResponse,
  faults: DependencyFaultSwitch,
): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      sendProblem(res, {
        status: 413,
        code: 'invalid_request',
        title: 'Body too large',
        detail: `A fault request is at most ${MAX_BODY_BYTES} bytes.`,
        hint: 'Send only "dependency", "mode" and "latency_ms".',
        service: 'cloud',
      });
      req.resume();
      return;
    }
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    sendInvalid(res, 'The body is not valid JSON.');
    return;
  }
  const parsed = faultSchema.safeParse(body);
  if (!parsed.success) {
    const fields = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
      .join('; ');
    sendInvalid(res, `The fault request is invalid: ${fields}.`);
    return;
  }
  const { dependency, mode, latency_ms: latencyMs } = parsed.data;
  const proxyMode: ProxyMode =
    mode === 'down'
      ? { kind: 'reset' }
      : mode === 'hang'
        ? { kind: 'hang' }
        : { kind: 'delay', ms: latencyMs };
  if (!faults.inject(dependency, proxyMode)) {
    sendInvalid(res, `The stand-in does not use ${dependency}; set REDIS_URL to use ElastiCache.`);
    return;
  }
  sendJson(res, 201, { dependency, mode, service: 'cloud' });
}

function isDependency(value: string): value is Dependency {
  return (DEPENDENCIES as readonly string[]).includes(value);
}

function sendInvalid(res: ServerResponse, detail: string): void {
  const problem = { status: 400, code: 'invalid_request', title: 'Invalid fault', detail } as const;
  sendProblem(res, { ...problem, service: 'cloud' });
}

function sendNotFound(res: ServerResponse, detail: string): void {
  sendProblem(res, {
    status: 404,
    code: 'not_found',
    title: 'Not found',
    detail,
    service: 'cloud',
  });
}
