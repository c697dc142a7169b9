import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import {
  RouterConfigInvalidError,
  type RouterConfigInput,
  loadRouterConfig,
  parseRouterConfig,
} from '../../local-fallback/router/index.js';

const EXAMPLE_FILE = fileURLToPath(
  new URL('../../local-fallback/router/router.example.json', import.meta.url),
);

const urls = {
  primary: { url: 'http://127.0.0.1:8001' },
  secondary: { url: 'http://127.0.0.1:8002' },
};

function problemsOf(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof RouterConfigInvalidError) {
      return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    }
    throw error;
  }
  throw new Error('expected a RouterConfigInvalidError');
}

describe('parseRouterConfig', () => {
  it('fills in the defaults', () => {
    const config = parseRouterConfig({ targets: urls });

    expect(config.port).toBe(8000);
    expect(config.targets.primary.label).toBe('cloud');
    expect(config.targets.secondary.label).toBe('edge');
    expect(config.targets.primary.healthCheck).toEqual({
      path: '/health',
      intervalMs: 200,
      timeoutMs: 150,
      failureThreshold: 2,
      successThreshold: 3,
      expectedStatus: [200],
    });
    expect(config.targets.primary.breaker).toEqual({
      kind: 'consecutive',
      threshold: 5,
      halfOpenAfterMs: 1000,
    });
  });

  it('reports every problem in one error', () => {
    const problems = problemsOf(() =>
      parseRouterConfig({
        port: 70_000,
        colour: 'blue',
        targets: {
          primary: { url: 'ftp://example' },
          secondary: {
            url: 'http://127.0.0.1:8002',
            healthCheck: { intervalMs: 100, timeoutMs: 500 },
          },
        },
      }),
    );

    expect(problems).toHaveLength(4);
    expect(problems).toContainEqual(expect.stringMatching(/^port: .*70000/));
    expect(problems).toContainEqual(expect.stringMatching(/^\(root\): .*colour/));
    expect(problems).toContainEqual(
      expect.stringMatching(/^targets\.primary\.url: .*"ftp:\/\/example"/),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(/^targets\.secondary\.healthCheck\.timeoutMs: /),
    );
  });

  it.each([
    ['the same URL', 'http://127.0.0.1:8001', 'http://127.0.0.1:8001'],
    ['a trailing slash', 'http://127.0.0.1:8001/stage', 'http://127.0.0.1:8001/stage/'],
    ['the default port and upper case', 'http://Example.com:80', 'http://example.com'],
  ])('rejects one target for both roles with %s', (_case, primary, secondary) => {
    const problems = problemsOf(() =>
      parseRouterConfig({ targets: { primary: { url: primary }, secondary: { url: secondary } } }),
    );

    expect(problems).toEqual([
      expect.stringMatching(/^targets\.secondary\.url: .*same target as targets\.primary\.url/),
    ]);
  });

  it('lists the same URL with the other problems', () => {
    const problems = problemsOf(() =>
      parseRouterConfig({
        port: -1,
        targets: {
          primary: { url: 'http://127.0.0.1:8001' },
          secondary: { url: 'http://127.0.0.1:8001', connections: 0 },
        },
      }),
    );

    expect(problems).toHaveLength(3);
    expect(problems).toContainEqual(expect.stringMatching(/^port: /));
    expect(problems).toContainEqual(expect.stringMatching(/^targets\.secondary\.connections: /));
    expect(problems).toContainEqual(expect.stringMatching(/^targets\.secondary\.url: .*same/));
  });

  it('accepts targets that differ only in their path', () => {
    const config = parseRouterConfig({
      targets: {
        primary: { url: 'http://127.0.0.1:8001/cloud' },
        secondary: { url: 'http://127.0.0.1:8001/edge' },
      },
    });

    expect(config.targets.secondary.url).toBe('http://127.0.0.1:8001/edge');
  });

  it('reads the example file, which shows the defaults', () => {
    const example = JSON.parse(readFileSync(EXAMPLE_FILE, 'utf8')) as RouterConfigInput;

    const config = parseRouterConfig(example);
    const defaults = parseRouterConfig({
      targets: {
        primary: { url: example.targets.primary.url },
        secondary: { url: example.targets.secondary.url, breaker: { kind: 'sampling' } },
      },
    });

    expect(config).toEqual(defaults);
  });

  it('never shows the admin token in a problem', () => {
    const problems = problemsOf(() =>
      parseRouterConfig({ targets: urls, adminToken: 'short-secret' }),
    );

    expect(problems).toHaveLength(1);
    expect(problems[0]).not.toContain('short-secret');
  });
});

describe('loadRouterConfig', () => {
  const file = JSON.stringify({
    port: 9000,
    targets: { ...urls, primary: { url: 'http://127.0.0.1:7001', connectTimeoutMs: 250 } },
  });
  const readFile = () => file;

  it('ranks flags over env over file', () => {
    const loaded = loadRouterConfig({
      argv: ['--config', 'router.json', '--primary', 'http://127.0.0.1:6001'],
      env: { HAPPY_ROUTER_PRIMARY: 'http://127.0.0.1:5001', HAPPY_ROUTER_PORT: '9100' },
      readFile,
    });
    if (loaded.help) {
      throw new Error('expected a configuration');
    }

    expect(loaded.config.targets.primary.url).toBe('http://127.0.0.1:6001');
    expect(loaded.config.targets.primary.connectTimeoutMs).toBe(250);
    expect(loaded.config.port).toBe(9100);
  });

  it('reports flag, file and field problems together', () => {
    const problems = problemsOf(() =>
      loadRouterConfig({
        argv: ['--config', 'missing.json', '--bogus', '--port', 'eighty'],
        env: {},
        readFile: () => {
          throw new Error('ENOENT: no such file');
        },
      }),
    );

    expect(problems).toContainEqual(expect.stringMatching(/unknown option --bogus/));
    expect(problems).toContainEqual(expect.stringMatching(/cannot read missing\.json/));
    expect(problems).toContainEqual(expect.stringMatching(/^port: .*"eighty"/));
    expect(problems).toContainEqual(expect.stringMatching(/^targets\.primary\.url: is required/));
  });

  it('returns a help request for --help', () => {
    expect(loadRouterConfig({ argv: ['--help'], env: {} })).toEqual({ help: true });
  });
});
