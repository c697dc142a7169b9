import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatMs, parseDuration } from '../../drill/durations.js';
import { DrillOptionsError } from '../../drill/errors.js';
import { validateDrillOptions, type RawDrillOptions } from '../../drill/options.js';
import { removeTempDirs, tempDir } from './support.js';

const cwd = tempDir('options');
afterAll(removeTempDirs);
const remoteEnv = { HAPPY_ADMIN_TOKEN: 'admin', HAPPY_REPLICATION_TOKEN: 'replication' };
const remote = { apiUrl: 'http://127.0.0.1:8000', edgeUrl: 'http://127.0.0.1:8001' };

function problemsOf(raw: RawDrillOptions, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    validateDrillOptions(raw, env, cwd);
  } catch (error) {
    if (error instanceof DrillOptionsError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('drill options', () => {
  it('defaults to a one-minute local drill with the synthetic workload', () => {
    const options = validateDrillOptions({}, {}, cwd);

    expect(options).toMatchObject({
      target: 'local',
      fault: 'primary-down',
      warmupMs: 15_000,
      outageMs: 15_000,
      recoveryMs: 20_000,
      rate: 20,
      agents: 4,
      workload: null,
      reportDir: join(cwd, '.happy/drill'),
      remote: null,
    });
  });

  it('lists every invalid value in one error', () => {
    const problems = problemsOf({
      target: 'mars',
      fault: 'meteor',
      warmup: 'soon',
      outage: '0s',
      rate: '-3',
      agents: '2.5',
      workload: 'missing.json',
    });

    expect(problems).toHaveLength(7);
    expect(problems[0]).toBe('--target "mars" is invalid; use one of local, localstack, aws');
    expect(problems.join('\n')).toMatch(/--fault "meteor" is invalid/);
    expect(problems.join('\n')).toMatch(/--warmup "soon" is invalid/);
    expect(problems.join('\n')).toMatch(/--outage "0s" is invalid/);
    expect(problems.join('\n')).toMatch(/--rate "-3" is invalid; give a number from 1 to 2000/);
    expect(problems.join('\n')).toMatch(/--agents "2.5" is invalid; give an integer/);
    expect(problems.join('\n')).toMatch(/--workload "missing.json" was not found/);
  });

  it('puts the count of problems in the message', () => {
    expect(() => validateDrillOptions({ rate: 'x', agents: 'y' }, {}, cwd)).toThrow(
      /^Invalid drill options \(2 problems\):\n {2}- --rate/,
    );
  });

  it('rejects a report path that is a file', () => {
    writeFileSync(join(cwd, 'a-file'), 'x');

    expect(problemsOf({ report: 'a-file' })).toEqual([
      '--report "a-file" is not a folder; give a folder path (created when missing)',
    ]);
  });

  it.each([
    ['opensearch', 'local', /runs on SQLite because OPENSEARCH_URL and MOTO_URL are not set/],
    ['lambda', 'local', /not as Lambda functions/],
    ['primary-crash', 'aws', /can only kill a process it started/],
    ['s3', 'aws', /rehearse it with --target localstack/],
  ])('rejects --fault %s on --target %s', (fault, target, reason) => {
    const raw = target === 'local' ? { fault, target } : { fault, target, ...remote };
    const problems = problemsOf(raw, remoteEnv);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(reason);
  });

  it('accepts engine faults when the engines are configured', () => {
    const engines = { OPENSEARCH_URL: 'http://127.0.0.1:1', MOTO_URL: 'http://127.0.0.1:2' };

    expect(problemsOf({ fault: 'opensearch' }, engines)).toEqual([]);
    expect(problemsOf({ fault: 's3' }, engines)).toEqual([]);
    expect(problemsOf({ fault: 'elasticache' }, engines)).toEqual([
      '--fault elasticache is not available on --target local: REDIS_URL is not set, so the ' +
        'local stand-in runs without a cache; load .run/env',
    ]);
  });

  it('rejects remote flags on the local target', () => {
    expect(problemsOf({ apiUrl: 'http://127.0.0.1:1', awsEndpoint: 'http://127.0.0.1:2' })).toEqual(
      [
        '--api-url is only valid with --target localstack or aws',
        '--aws-endpoint is only valid with --target localstack or aws',
      ],
    );
  });

  it('asks a remote target for its URLs and tokens', () => {
    expect(problemsOf({ target: 'aws', edgeUrl: 'ftp://edge' })).toEqual([
      '--api-url is missing; --target aws needs it',
      '--edge-url "ftp://edge" is not an http(s) URL',
      'HAPPY_ADMIN_TOKEN is not set; a remote drill needs it because it creates agents and injects router faults',
      "HAPPY_REPLICATION_TOKEN is not set; a remote drill needs it because it reads the edge's outbox",
    ]);
  });

  it('fills LocalStack defaults for a remote target', () => {
    const options = validateDrillOptions(
      { target: 'localstack', fault: 'lambda', ...remote },
      remoteEnv,
      cwd,
    );

    expect(options.remote).toEqual({
      apiUrl: 'http://127.0.0.1:8000',
      edgeUrl: 'http://127.0.0.1:8001',
      primaryUrl: null,
      stage: 'dev',
      awsRegion: 'us-east-1',
      awsEndpoint: 'http://127.0.0.1:4566',
      adminToken: 'admin',
      replicationToken: 'replication',
    });
  });

  it('rejects an invalid stage', () => {
    const problems = problemsOf({ target: 'aws', stage: 'Prod_1', ...remote }, remoteEnv);

    expect(problems).toEqual([
      '--stage "Prod_1" is invalid; give 1-12 of a-z, 0-9 and "-", starting a-z',
    ]);
  });
});

describe('durations', () => {
  it.each([
    ['15s', 15_000],
    ['1500ms', 1500],
    ['2m', 120_000],
    ['2.5', 2500],
    [' 7 ', 7000],
  ])('parses %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '-1s', '1h', '1e3'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats milliseconds for people', () => {
    expect([formatMs(850.4), formatMs(15_000), formatMs(null)]).toEqual([
      '850 ms',
      '15.0 s',
      'n/a',
    ]);
  });
});
