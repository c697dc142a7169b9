import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, type Server, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ADMIN_TOKEN, type TargetProcess, freePort, startTarget, waitForHttp } from './harness.js';

const MAIN = fileURLToPath(new URL('../../local-fallback/router/main.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

function runMain(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return { child, stdout: () => stdout, stderr: () => stderr };
}

// Listens on a free loopback port, so the router under test finds it in use.
async function occupyPort(): Promise<Server> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

describe('router main', { timeout: 60_000 }, () => {
  const processes: TargetProcess[] = [];

  beforeAll(async () => {
    processes.push(await startTarget('cloud'), await startTarget('edge'));
  });

  afterAll(async () => {
    await Promise.all(processes.map((target) => target.kill()));
  });

  it('serves traffic and stops on SIGTERM', async () => {
    const port = await freePort();
    const [primary, secondary] = processes;
    if (primary === undefined || secondary === undefined) {
      throw new Error('beforeAll did not start the cloud and edge targets');
    }
    const { child } = runMain(
      ['--primary', primary.url, '--secondary', secondary.url, '--port', String(port)],
      { HAPPY_ADMIN_TOKEN: ADMIN_TOKEN },
    );
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/health`, 15_000);

    const health = await fetch(`${url}/health`);
    const healthBody = (await health.json()) as { status: string; service: string };
    const status = await fetch(`${url}/router/status`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const statusBody = (await status.json()) as { active: string; service: string };
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;

    expect(health.status).toBe(200);
    expect(health.headers.get('x-happy-served-by')).toBe('cloud');
    expect(healthBody.service).toBe('cloud');
    expect(statusBody).toMatchObject({ active: 'primary', service: 'router' });
    expect(code).toBe(0);
  });

  it('exits 1 with one sentence when the port is in use', async () => {
    const [primary, secondary] = processes;
    if (primary === undefined || secondary === undefined) {
      throw new Error('beforeAll did not start the cloud and edge targets');
    }
    const occupied = await occupyPort();
    const { port } = occupied.address() as AddressInfo;

    const { child, stdout, stderr } = runMain(
      ['--primary', primary.url, '--secondary', secondary.url, '--port', String(port)],
      { HAPPY_ADMIN_TOKEN: ADMIN_TOKEN },
    );
    const [code] = await once(child, 'exit');
    occupied.close();

    expect(code).toBe(1);
    expect(stderr().trim()).toBe(
      `Port ${port} on 127.0.0.1 is in use; stop the process that holds it, or pass --port N ` +
        'to listen on another port.',
    );
    expect(stdout()).toBe('');
  });

  it('exits 2 on invalid arguments', async () => {
    const { child, stderr } = runMain(['--primary', 'ftp://nowhere', '--port', 'x', '--nope']);
    const [code] = await once(child, 'exit');

    expect(code).toBe(2);
    expect(stderr()).toContain('Invalid router configuration (4 problems)');
    expect(stderr()).toContain('unknown option --nope');
    expect(stderr()).toContain('targets.secondary.url: is required');
  });
});
