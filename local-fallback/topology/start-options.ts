import { createServer } from 'node:net';
import { parseArgs } from 'node:util';

export const START_USAGE = `Usage: npm start -- [options]
  --port N            router port (env PORT, default 8000)
  --host ADDR         router address (env HOST, default 127.0.0.1)
  --home DIR          folder of the admin token, token key and data (env HAPPY_HOME, default .happy)
  --primary-url URL   send primary traffic to a deployed API (an API Gateway stage URL) instead of
                      the local stand-in of the cloud path (env HAPPY_PRIMARY_URL)
The admin token comes from HAPPY_ADMIN_TOKEN; without it, one is generated at first start,
kept in <home>/admin-token and printed.`;

/** Settings of `npm start`, from its flags and the environment. */
export interface StartOptions {
  readonly help: boolean;
  readonly port: number;
  readonly host: string;
  readonly home: string | undefined;
  readonly primaryUrl: string | undefined;
  readonly adminToken: string | undefined;
}

/** Result of {@link parseStartOptions}: the options, or every problem found in them. */
export type ParsedStartOptions =
  | { readonly ok: true; readonly options: StartOptions }
  | { readonly ok: false; readonly problems: string[] };

/**
 * Reads the flags of `npm start` and the variables that stand in for them, and checks them all,
 * so that one error lists every problem before any process starts.
 */
export function parseStartOptions(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParsedStartOptions {
  // Not strict, so that an unknown flag or a missing value joins the other problems instead of
  // hiding them behind the parser's first error.
  const { values, positionals } = parseArgs({
    args: [...args],
    strict: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      home: { type: 'string' },
      'primary-url': { type: 'string' },
      help: { type: 'boolean' },
    },
  });

  const problems: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (!KNOWN_FLAGS.has(name)) {
      problems.push(`--${name}: unknown option; see the list below.`);
    } else if (name !== 'help' && typeof value !== 'string') {
      problems.push(`--${name}: missing value.`);
    }
  }
  if (positionals.length > 0) {
    const quoted = positionals.map((argument) => `"${argument}"`).join(', ');
    problems.push(`unexpected argument ${quoted}.`);
  }
  const portText = stringValue(values.port) ?? env.PORT ?? '8000';
  const port = Number(portText);
  if (portText.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    problems.push(`--port (or PORT): invalid value "${portText}"; use 0 to 65535.`);
  }
  const primaryUrl = stringValue(values['primary-url']) ?? env.HAPPY_PRIMARY_URL;
  if (primaryUrl !== undefined && !isHttpUrl(primaryUrl)) {
    problems.push(
      `--primary-url (or HAPPY_PRIMARY_URL): invalid value "${primaryUrl}"; use an http:// or ` +
        'https:// URL, such as the invoke URL of an API Gateway stage.',
    );
  }
  if (problems.length > 0) return { ok: false, problems };

  return {
    ok: true,
    options: {
      help: values.help === true,
      port,
      host: stringValue(values.host) ?? env.HOST ?? '127.0.0.1',
      home: stringValue(values.home) ?? env.HAPPY_HOME,
      primaryUrl,
      adminToken: env.HAPPY_ADMIN_TOKEN || undefined,
    },
  };
}

const KNOWN_FLAGS = new Set(['port', 'host', 'home', 'primary-url', 'help']);

function stringValue(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol } = new URL(text);
  return protocol === 'http:' || protocol === 'https:';
}

/**
 * Returns why the router could not listen on `host:port`, such as a port in use, or undefined
 * when it can. Checking before the nodes start makes a taken port fail at once. The router's
 * own listen still reports a port taken in between.
 */
export function portProblem(host: string, port: number): Promise<string | undefined> {
  if (port === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      resolve(
        error.code === 'EADDRINUSE'
          ? `Port ${port} on ${host} is in use; pass --port N or set PORT.`
          : `Cannot listen on ${host}:${port} (${error.code ?? error.message}); pass --host or --port.`,
      );
    });
    probe.listen(port, host, () => probe.close(() => resolve(undefined)));
  });
}
