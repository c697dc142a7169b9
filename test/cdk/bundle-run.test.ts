import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILE, buildFunctionBundles } from '../../lib/constructs/bundling.js';
import { PROJECT_ROOT, type FunctionName } from '../../lib/lambda-entries.js';
import {
  createCloudFixture,
  enginesMissing,
  enginesSuiteTitle,
  type CloudFixture,
} from '../entry/support.js';
import { apiGatewayEvent, type EventInput } from '../support/events.js';

// The entry tests import the TypeScript modules. These tests run the bundles a deployment
// ships, built with the deployed esbuild settings, so that the stand-ins of lib/bundle-shims/
// run against the real engines and moto.

type Result = { statusCode: number; headers: Record<string, string>; body: string };

/**
 * Imports a bundle in a new Node process and invokes its handler once per event, in order. The
 * results go to a file because the function's logger writes to stdout.
 */
const INVOKE_SCRIPT = `
const [bundle, events, output] = [process.argv[1], JSON.parse(process.argv[2]), process.argv[3]];
const { handler } = await import(bundle);
const context = { awsRequestId: 'bundle-run', functionName: 'bundle-run',
  getRemainingTimeInMillis: () => 30000 };
const results = [];
for (const event of events) results.push(await handler(event, context));
await handler.close?.();
(await import('node:fs')).writeFileSync(output, JSON.stringify(results));
process.exit(0);
`;

describe.skipIf(enginesMissing())(enginesSuiteTitle('Bundled functions'), () => {
  const outDir = join(PROJECT_ROOT, 'cdk.out', `bundle-run-${randomBytes(4).toString('hex')}`);
  let fixture: CloudFixture;
  let token: string;

  const bundleOf = (name: FunctionName) => join(outDir, name, BUNDLE_FILE);
  const invoke = (name: FunctionName, inputs: EventInput[]): Result[] => {
    const events = inputs.map(apiGatewayEvent);
    const output = join(outDir, `results-${randomBytes(4).toString('hex')}.json`);
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        INVOKE_SCRIPT,
        pathToFileURL(bundleOf(name)).href,
        JSON.stringify(events),
        output,
      ],
      { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH, ...fixture.env }, encoding: 'utf8' },
    );
    expect(child.stderr, `${name} bundle`).not.toMatch(/Error/);
    expect(child.status, `${name} bundle exit status`).toBe(0);
    return JSON.parse(readFileSync(output, 'utf8')) as Result[];
  };

  beforeAll(async () => {
    fixture = await createCloudFixture();
    buildFunctionBundles(['agents', 'memory'], outDir);
    const [created] = invoke('agents', [
      {
        method: 'POST',
        route: '/api/v1/agents',
        token: fixture.adminToken,
        body: { agent_id: 'agent-b', name: 'Agent B' },
      },
    ]);
    expect(created?.statusCode).toBe(201);
    token = (JSON.parse(created?.body ?? '{}') as { token: string }).token;
  });

  afterAll(async () => {
    rmSync(outDir, { recursive: true, force: true });
    await fixture?.dispose();
  });

  it('writes and reads memory through the bundles', () => {
    const [written, read] = invoke('memory', [
      {
        method: 'POST',
        route: '/api/v1/{agent}/memory',
        pathParameters: { agent: 'agent-b' },
        token,
        body: { user_id: 'demo', key: 'hobby', value: 'Keeps bees on the roof.' },
      },
      {
        method: 'GET',
        route: '/api/v1/{agent}/memory/keys/{key}',
        pathParameters: { agent: 'agent-b', key: 'hobby' },
        token,
      },
    ]);

    expect(written?.statusCode).toBe(201);
    expect(read?.statusCode).toBe(200);
    expect(read?.body).toContain('Keeps bees on the roof.');
  });

  it('rejects a wrong type in English', () => {
    const [rejected] = invoke('memory', [
      {
        method: 'POST',
        route: '/api/v1/{agent}/memory',
        pathParameters: { agent: 'agent-b' },
        token,
        body: { user_id: 'demo', context: 42 },
      },
    ]);

    expect(rejected?.statusCode).toBe(400);
    expect(rejected?.headers['content-type']).toBe('application/problem+json');
    expect(rejected?.body).toContain('expected string, received number');
  });
});
