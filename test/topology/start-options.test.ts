import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseStartOptions, portProblem } from '../../local-fallback/topology/start-options.js';

describe('parseStartOptions', () => {
  it('fills in defaults', () => {
    const parsed = parseStartOptions([], {});

    expect(parsed).toEqual({
      ok: true,
      options: {
        help: false,
        port: 8000,
        host: '127.0.0.1',
        home: undefined,
        primaryUrl: undefined,
        adminToken: undefined,
      },
    });
  });

  it('prefers flags over variables', () => {
    const parsed = parseStartOptions(
      ['--port', '9000', '--primary-url', 'https://abc.execute-api.eu-west-1.amazonaws.com/dev'],
      { PORT: '7000', HAPPY_PRIMARY_URL: 'http://127.0.0.1:1', HAPPY_ADMIN_TOKEN: 'token' },
    );

    expect(parsed.ok).toBe(true);
    const options = parsed.ok ? parsed.options : undefined;
    expect(options?.port).toBe(9000);
    expect(options?.primaryUrl).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/dev');
    expect(options?.adminToken).toBe('token');
  });

  it('lists every invalid value', () => {
    const parsed = parseStartOptions(['--port', '99999'], { HAPPY_PRIMARY_URL: 'notaurl' });

    expect(parsed.ok).toBe(false);
    const problems = parsed.ok ? [] : parsed.problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/--port .*"99999"/);
    expect(problems[1]).toMatch(/--primary-url .*"notaurl".*http/);
  });

  it('lists unknown flags with the other problems', () => {
    const parsed = parseStartOptions(
      ['--port', 'abc', '--prot', '9000', '--primary-url', 'notaurl', '--home'],
      {},
    );

    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? [] : parsed.problems).toEqual([
      '--prot: unknown option; see the list below.',
      '--home: missing value.',
      'unexpected argument "9000".',
      expect.stringMatching(/^--port .*"abc"/),
      expect.stringMatching(/^--primary-url .*"notaurl"/),
    ]);
  });
});

describe('portProblem', () => {
  it('reports a port in use', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    try {
      expect(await portProblem('127.0.0.1', port)).toBe(
        `Port ${port} on 127.0.0.1 is in use; pass --port N or set PORT.`,
      );
    } finally {
      server.close();
    }
  });

  it('accepts a free port and port 0', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    expect(await portProblem('127.0.0.1', port)).toBeUndefined();
    expect(await portProblem('127.0.0.1', 0)).toBeUndefined();
  });
});
