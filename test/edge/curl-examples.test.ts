import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { freeLoopbackPort, startLocalTopology } from '../../local-fallback/topology/index.js';
import type { LocalTopology } from '../../local-fallback/topology/index.js';

const run = promisify(execFile);
const MARKER = '<!-- curl-examples:';

/** Returns the first bash block after the curl-examples marker of the README. */
function readmeExamples(): string {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf(MARKER);
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(start));
  if (start < 0 || !block?.[1]) throw new Error('README.md has no curl-examples block.');
  return block[1];
}

describe('README curl examples', () => {
  let home: string;
  let topology: LocalTopology;
  let output: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'happy-readme-'));
    // The topology of `npm start` generates the admin token into <home>/admin-token, as on a
    // first start.
    topology = await startLocalTopology({
      home,
      port: await freeLoopbackPort(),
      logger: pino({ level: 'silent' }),
    });
    const script = readmeExamples()
      .replaceAll('http://127.0.0.1:8000', topology.url)
      .replaceAll('.happy/admin-token', join(home, 'admin-token'));
    const result = await run('bash', ['-euo', 'pipefail', '-c', script], { timeout: 20_000 });
    output = result.stdout;
  });

  afterAll(async () => topology?.stop());

  it('reports the service healthy', () => {
    expect(output).toContain('"status":"healthy"');
  });

  it('is served by the cloud stand-in', () => {
    expect(output).toContain('"service":"cloud"');
    expect(output).not.toContain('"service":"edge"');
  });

  it('stores the original demo request', () => {
    expect(output).toContain('"content":"hackathon_demo: the team ships the failover drill');
    expect(output).toMatch(/"id":"[0-9A-Z]{26}","agent_id":"demo-agent","user_id":"demo"/);
  });

  it('finds the memory by search with a highlight', () => {
    expect(output).toContain('<em>failover</em> <em>drill</em>');
  });

  it('reads the key-value record back', () => {
    expect(output).toContain('"key":"favourite_food","content":"pizza","value":"pizza"');
  });

  it('lists the records of the demo user', () => {
    expect(output).toContain('"next_cursor":null');
  });

  it('prints no error', () => {
    expect(output).not.toContain('application/problem+json');
    expect(output).not.toContain('"status":4');
  });
});
