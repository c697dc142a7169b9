import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort, startLocalTopology } from '../../local-fallback/topology/index.js';
import type { LocalTopology } from '../../local-fallback/topology/index.js';

interface Sample {
  readonly sentAt: number;
  readonly status: number;
  readonly servedBy: string | undefined;
  readonly service: string | undefined;
}

/** Sends GET /health through the router in a loop until `until` resolves. */
async function steadyLoad(url: string, until: Promise<unknown>): Promise<Sample[]> {
  const samples: Sample[] = [];
  let done = false;
  void until.then(() => (done = true));
  const deadline = Date.now() + 15_000;
  while (!done && Date.now() < deadline) {
    const sentAt = Date.now();
    const response = await request(`${url}/health`).catch(() => null);
    if (!response) {
      samples.push({ sentAt, status: 0, servedBy: undefined, service: undefined });
      continue;
    }
    const body = (await response.body.json()) as { service?: string };
    const servedBy = response.headers['x-happy-served-by'];
    samples.push({
      sentAt,
      status: response.statusCode,
      servedBy: typeof servedBy === 'string' ? servedBy : undefined,
      service: body.service,
    });
  }
  return samples;
}

describe('local topology', () => {
  let topology: LocalTopology;

  beforeAll(async () => {
    topology = await startLocalTopology({
      home: mkdtempSync(join(tmpdir(), 'happy-topology-')),
      port: await freeLoopbackPort(),
      logger: pino({ level: 'silent' }),
    });
  });

  afterAll(async () => topology?.stop());

  it('serves from the cloud stand-in first', async () => {
    const response = await request(`${topology.url}/health`);
    const body = (await response.body.json()) as { service: string };
    expect(response.headers['x-happy-served-by']).toBe('cloud');
    expect(body.service).toBe('cloud');
  });

  it('fails over when the cloud process is killed', async () => {
    const flipped = new Promise<{ detection_ms?: number }>((resolve) => {
      const unsubscribe = topology.router.events.subscribeTo('flip', (event) => {
        unsubscribe();
        resolve(event);
      });
    });
    const afterFlip = flipped.then(() => new Promise((resolve) => setTimeout(resolve, 500)));
    const load = steadyLoad(topology.url, afterFlip);

    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    await topology.cloud?.stop('SIGKILL');
    const flip = await flipped;
    const detectedAt = Date.now();
    const samples = await load;

    expect(samples.filter((sample) => sample.status !== 200)).toEqual([]);
    expect(detectedAt - killedAt).toBeLessThan(1000);
    expect(flip.detection_ms).toBeLessThan(1000);
    const last = samples.at(-1);
    expect(last?.servedBy).toBe('edge');
    expect(last?.service).toBe('edge');
  });
});
