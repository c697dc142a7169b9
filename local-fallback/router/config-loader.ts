import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { type RouterConfig, parseRouterConfig } from './config.js';
import { type ConfigProblem, RouterConfigInvalidError } from './errors.js';

/** Help text of the router command line. */
export const ROUTER_USAGE = `Usage: tsx local-fallback/router/main.ts [options]

Options (each overrides its environment variable, which overrides the config file):
  --config FILE            JSON file with a router configuration   (HAPPY_ROUTER_CONFIG)
  --primary URL            base URL of the primary (cloud) target  (HAPPY_ROUTER_PRIMARY)
  --secondary URL          base URL of the secondary (edge) target (HAPPY_ROUTER_SECONDARY)
  --host HOST              address to listen on, default 127.0.0.1 (HAPPY_ROUTER_HOST)
  --port PORT              port to listen on, default 8000         (HAPPY_ROUTER_PORT)
  --primary-label LABEL    x-happy-served-by value of the primary, default cloud
  --secondary-label LABEL  x-happy-served-by value of the secondary, default edge
  -h, --help               print this help

The admin token comes from HAPPY_ADMIN_TOKEN (at least 16 characters).`;

/** Inputs of the loader; tests pass their own values. */
export interface ConfigSources {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a config file as UTF-8. @default fs.readFileSync */
  readonly readFile?: (path: string) => string;
}

/** Result of {@link loadRouterConfig}: the configuration, or a request for the help text. */
export type LoadedConfig = { readonly help: true } | { readonly help: false; config: RouterConfig };

const FLAG_OPTIONS = {
  config: { type: 'string' },
  primary: { type: 'string' },
  secondary: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'primary-label': { type: 'string' },
  'secondary-label': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Overrides = Record<string, string | undefined>;

/**
 * Builds the router configuration from a JSON file, environment variables and flags, in rising
 * order of precedence, and validates it.
 *
 * @throws {RouterConfigInvalidError} listing every problem found: unknown flags, an unreadable
 *   or malformed file and every invalid field.
 */
export function loadRouterConfig(sources: ConfigSources): LoadedConfig {
  const problems: ConfigProblem[] = [];
  const flags = parseFlags(sources.argv, problems);
  if (flags.help === 'true') {
    return { help: true };
  }

  const env = sources.env;
  const file = flags.config ?? env.HAPPY_ROUTER_CONFIG;
  const base = file === undefined ? {} : readConfigFile(file, sources.readFile, problems);
  ensureTargets(base);
  applyOverrides(base, {
    'targets.primary.url': flags.primary ?? env.HAPPY_ROUTER_PRIMARY,
    'targets.secondary.url': flags.secondary ?? env.HAPPY_ROUTER_SECONDARY,
    'targets.primary.label': flags['primary-label'],
    'targets.secondary.label': flags['secondary-label'],
    host: flags.host ?? env.HAPPY_ROUTER_HOST,
    port: flags.port ?? env.HAPPY_ROUTER_PORT,
    adminToken: env.HAPPY_ADMIN_TOKEN,
  });

  return { help: false, config: validate(base, problems) };
}

// Validates the merged configuration and throws one error with its problems and the earlier ones.
function validate(base: Record<string, unknown>, problems: ConfigProblem[]): RouterConfig {
  let config: RouterConfig | undefined;
  try {
    config = parseRouterConfig(base);
  } catch (error) {
    if (!(error instanceof RouterConfigInvalidError)) {
      throw error;
    }
    problems.push(...error.problems);
  }

  if (config === undefined || problems.length > 0) {
    throw new RouterConfigInvalidError(problems);
  }
  return config;
}

// Parses leniently and reports unknown or malformed flags as problems, so the known flags still
// apply and the schema can report the rest in the same error.
function parseFlags(argv: readonly string[], problems: ConfigProblem[]): Overrides {
  const { values, tokens } = parseArgs({
    args: [...argv],
    options: FLAG_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const flags: Overrides = {};
  for (const token of tokens) {
    if (token.kind === 'positional') {
      problems.push({ path: '(command line)', message: `unexpected argument ${token.value}` });
    } else if (token.kind === 'option' && !(token.name in FLAG_OPTIONS)) {
      problems.push({ path: '(command line)', message: `unknown option ${token.rawName}` });
    } else if (token.kind === 'option' && isStringFlag(token.name) && token.value === undefined) {
      problems.push({ path: '(command line)', message: `${token.rawName} requires a value` });
    }
  }
  for (const [name, value] of Object.entries(values)) {
    if (name in FLAG_OPTIONS && value !== undefined && typeof value !== 'boolean') {
      flags[name] = value;
    }
  }
  flags.help = values.help === true ? 'true' : undefined;
  return flags;
}

function isStringFlag(name: string): boolean {
  return name in FLAG_OPTIONS && FLAG_OPTIONS[name as keyof typeof FLAG_OPTIONS].type === 'string';
}

function readConfigFile(
  path: string,
  readFile: ((path: string) => string) | undefined,
  problems: ConfigProblem[],
): Record<string, unknown> {
  try {
    const text = (readFile ?? ((file: string) => readFileSync(file, 'utf8')))(path);
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
    problems.push({ path: '(config file)', message: `${path} must contain a JSON object` });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    problems.push({ path: '(config file)', message: `cannot read ${path}: ${message}` });
  }
  return {};
}

// Gives the schema an object to look into, so a missing URL is reported by its own path.
function ensureTargets(base: Record<string, unknown>): void {
  if (base.targets === undefined) {
    base.targets = {};
  }
  const targets = base.targets;
  if (typeof targets === 'object' && targets !== null && !Array.isArray(targets)) {
    const record = targets as Record<string, unknown>;
    record.primary ??= {};
    record.secondary ??= {};
  }
}

function applyOverrides(target: Record<string, unknown>, overrides: Overrides): void {
  for (const [path, raw] of Object.entries(overrides)) {
    if (raw === undefined) {
      continue;
    }

    const keys = path.split('.');
    let node = target;
    for (const key of keys.slice(0, -1)) {
      const child = node[key];
      node[key] = typeof child === 'object' && child !== null ? child : {};
      node = node[key] as Record<string, unknown>;
    }
    // Numbers stay strings unless they look like one, so the schema reports the bad value.
    node[keys[keys.length - 1]!] = path === 'port' && /^\d+$/.test(raw) ? Number(raw) : raw;
  }
}
