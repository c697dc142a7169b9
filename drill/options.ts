import { cloudBackendFromEnv } from '../local-fallback/topology/index.js';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDuration } from './durations.js';
import { DrillOptionsError } from './errors.js';

/** Targets a drill runs against. */
export const TARGETS = ['local', 'localstack', 'aws'] as const;
export type TargetName = (typeof TARGETS)[number];

/** Dependencies of the cloud path that a dependency fault takes away. */
export const DEPENDENCIES = ['opensearch', 'elasticache', 'lambda', 's3'] as const;
export type DependencyName = (typeof DEPENDENCIES)[number];

/** Faults the drill injects during the outage phase. */
export const FAULTS = [
  'primary-down',
  'primary-crash',
  'latency',
  'error-rate',
  ...DEPENDENCIES,
] as const;
export type FaultName = (typeof FAULTS)[number];

/** Settings of a drill against a deployed stack (`--target localstack|aws`). */
export interface RemoteOptions {
  /** Entry point of the agents' traffic: a Happy OS health router in front of cloud and edge. */
  readonly apiUrl: string;
  /** The edge service, whose replication status shows the outbox. */
  readonly edgeUrl: string;
  /** The cloud path's API, read directly to check writes; null to take it from the router. */
  readonly primaryUrl: string | null;
  /** Stage of the deployed stacks, which names the functions, the domain and the cache. */
  readonly stage: string;
  readonly awsRegion: string;
  /** Endpoint of the AWS APIs; LocalStack's by default on that target, null for AWS itself. */
  readonly awsEndpoint: string | null;
  readonly adminToken: string;
  readonly replicationToken: string;
}

/** Validated options of one drill. */
export interface DrillOptions {
  readonly target: TargetName;
  readonly fault: FaultName;
  readonly warmupMs: number;
  readonly outageMs: number;
  readonly recoveryMs: number;
  /** Requests per second over all agents. */
  readonly rate: number;
  /** Agents of the synthetic workload; with LoCoMo, conversations are taken until this many. */
  readonly agents: number;
  /** Absolute path of a LoCoMo file or folder, or null for the synthetic workload. */
  readonly workload: string | null;
  /** Absolute path of the folder for `report.json`, `report.html` and the undo journal. */
  readonly reportDir: string;
  readonly remote: RemoteOptions | null;
}

/** Option values as the command line gives them, before validation. */
export interface RawDrillOptions {
  readonly target?: string;
  readonly fault?: string;
  readonly warmup?: string;
  readonly outage?: string;
  readonly recovery?: string;
  readonly rate?: string;
  readonly agents?: string;
  readonly workload?: string;
  readonly report?: string;
  readonly apiUrl?: string;
  readonly edgeUrl?: string;
  readonly primaryUrl?: string;
  readonly stage?: string;
  readonly awsRegion?: string;
  readonly awsEndpoint?: string;
}

/** Defaults, chosen so that `npm run drill` on a fresh clone takes about a minute. */
export const DEFAULTS = {
  target: 'local',
  fault: 'primary-down',
  warmup: '15s',
  outage: '15s',
  recovery: '20s',
  rate: '20',
  agents: '4',
  report: '.happy/drill',
  stage: 'dev',
  localstackEndpoint: 'http://127.0.0.1:4566',
} as const;

const MAX_PHASE_MS = 3_600_000;
const MAX_RATE = 2000;
const MAX_AGENTS = 200;
const REMOTE_ONLY = ['apiUrl', 'edgeUrl', 'primaryUrl', 'awsEndpoint'] as const;
const FLAG_OF: Record<(typeof REMOTE_ONLY)[number], string> = {
  apiUrl: '--api-url',
  edgeUrl: '--edge-url',
  primaryUrl: '--primary-url',
  awsEndpoint: '--aws-endpoint',
};

/**
 * Validates raw options and fills in the defaults. `env` supplies the tokens of remote targets
 * (`HAPPY_ADMIN_TOKEN`, `HAPPY_REPLICATION_TOKEN`) and the region (`AWS_REGION`).
 *
 * @throws {DrillOptionsError} listing every invalid value at once.
 */
export function validateDrillOptions(
  raw: RawDrillOptions,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): DrillOptions {
  const problems: string[] = [];
  const target = oneOf(raw.target ?? DEFAULTS.target, TARGETS, '--target', problems);
  const fault = oneOf(raw.fault ?? DEFAULTS.fault, FAULTS, '--fault', problems);
  const options = {
    target: target ?? 'local',
    fault: fault ?? 'primary-down',
    warmupMs: phaseMs(raw.warmup ?? DEFAULTS.warmup, '--warmup', problems),
    outageMs: phaseMs(raw.outage ?? DEFAULTS.outage, '--outage', problems),
    recoveryMs: phaseMs(raw.recovery ?? DEFAULTS.recovery, '--recovery', problems),
    rate: numberIn(raw.rate ?? DEFAULTS.rate, '--rate', 1, MAX_RATE, false, problems),
    agents: numberIn(raw.agents ?? DEFAULTS.agents, '--agents', 1, MAX_AGENTS, true, problems),
    workload: workloadPath(raw.workload, cwd, problems),
    reportDir: reportDir(raw.report ?? DEFAULTS.report, cwd, problems),
    remote: null as RemoteOptions | null,
  };
  if (target === 'local') {
    rejectRemoteFlags(raw, problems);
  } else if (target !== undefined) {
    options.remote = remoteOptions(raw, target, env, problems);
  }
  if (target !== undefined && fault !== undefined) {
    const reason = staticUnavailability(target, fault, env);
    if (reason !== null)
      problems.push(`--fault ${fault} is not available on --target ${target}: ${reason}`);
  }

  if (problems.length > 0) throw new DrillOptionsError(problems);
  return options;
}

/**
 * Returns why a fault can never run on a target, or null when it may. Faults that depend on the
 * target's responses at run time, such as LocalStack's chaos endpoint, are checked when the drill
 * starts.
 */
export function staticUnavailability(
  target: TargetName,
  fault: FaultName,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const dependency = (DEPENDENCIES as readonly string[]).includes(fault);
  if (target === 'local' && dependency) return localDependencyUnavailability(fault, env);
  if (target !== 'local' && fault === 'primary-crash') {
    return (
      'the drill can only kill a process it started itself; use --target local, or --fault ' +
      'lambda to stop the deployed functions'
    );
  }
  if (target === 'aws' && (fault === 'opensearch' || fault === 's3')) {
    return (
      `AWS has no API that takes ${fault} away and can be undone safely; rehearse it with ` +
      '--target localstack, whose chaos endpoint injects the errors'
    );
  }
  return null;
}

// The local stand-in runs on the cloud adapters only when the engines are configured, and its
// handlers run in one process rather than as functions.
function localDependencyUnavailability(fault: FaultName, env: NodeJS.ProcessEnv): string | null {
  if (fault === 'lambda') {
    return (
      'the local stand-in runs the handlers in one process, not as Lambda functions; use ' +
      '--fault primary-crash, or --target localstack or aws'
    );
  }
  if (cloudBackendFromEnv(env) === 'sqlite') {
    return (
      'the local stand-in of the cloud path runs on SQLite because OPENSEARCH_URL and MOTO_URL ' +
      'are not set; start the engines with scripts/services/all.sh start, load .run/env, and ' +
      'run the drill again'
    );
  }
  if (fault === 'elasticache' && !env.REDIS_URL) {
    return 'REDIS_URL is not set, so the local stand-in runs without a cache; load .run/env';
  }
  return null;
}

function oneOf<T extends string>(
  value: string,
  allowed: readonly T[],
  flag: string,
  problems: string[],
): T | undefined {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`${flag} "${value}" is invalid; use one of ${allowed.join(', ')}`);
  return undefined;
}

function phaseMs(value: string, flag: string, problems: string[]): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms < 1000 || ms > MAX_PHASE_MS) {
    problems.push(`${flag} "${value}" is invalid; give 1s to 60m, such as 15s, 1500ms or 2m`);
    return 0;
  }
  return ms;
}

function numberIn(
  value: string,
  flag: string,
  min: number,
  max: number,
  integer: boolean,
  problems: string[],
): number {
  const parsed = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  const wrongKind = integer && !Number.isInteger(parsed);
  if (Number.isNaN(parsed) || wrongKind || parsed < min || parsed > max) {
    const kind = integer ? 'an integer' : 'a number';
    problems.push(`${flag} "${value}" is invalid; give ${kind} from ${min} to ${max}`);
    return min;
  }
  return parsed;
}

function workloadPath(value: string | undefined, cwd: string, problems: string[]): string | null {
  if (value === undefined) return null;
  const path = resolve(cwd, value);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat || !(stat.isFile() || stat.isDirectory())) {
    problems.push(
      `--workload "${value}" was not found; give a LoCoMo JSON file or a folder of them`,
    );
  }
  return path;
}

function reportDir(value: string, cwd: string, problems: string[]): string {
  const path = resolve(cwd, value);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (value.trim() === '' || (stat && !stat.isDirectory())) {
    problems.push(`--report "${value}" is not a folder; give a folder path (created when missing)`);
  }
  return path;
}

function rejectRemoteFlags(raw: RawDrillOptions, problems: string[]): void {
  for (const key of REMOTE_ONLY) {
    if (raw[key] !== undefined) {
      problems.push(`${FLAG_OF[key]} is only valid with --target localstack or aws`);
    }
  }
}

function remoteOptions(
  raw: RawDrillOptions,
  target: 'localstack' | 'aws',
  env: NodeJS.ProcessEnv,
  problems: string[],
): RemoteOptions {
  const stage = raw.stage ?? DEFAULTS.stage;
  if (!/^[a-z][a-z0-9-]{0,11}$/.test(stage)) {
    problems.push(`--stage "${stage}" is invalid; give 1-12 of a-z, 0-9 and "-", starting a-z`);
  }
  const endpointDefault = target === 'localstack' ? DEFAULTS.localstackEndpoint : null;
  return {
    apiUrl: requiredUrl(raw.apiUrl, '--api-url', target, problems),
    edgeUrl: requiredUrl(raw.edgeUrl, '--edge-url', target, problems),
    primaryUrl: optionalUrl(raw.primaryUrl, '--primary-url', problems),
    stage,
    awsRegion: raw.awsRegion ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    awsEndpoint: optionalUrl(raw.awsEndpoint, '--aws-endpoint', problems) ?? endpointDefault,
    adminToken: requiredEnv(
      env,
      'HAPPY_ADMIN_TOKEN',
      'creates agents and injects router faults',
      problems,
    ),
    replicationToken: requiredEnv(
      env,
      'HAPPY_REPLICATION_TOKEN',
      "reads the edge's outbox",
      problems,
    ),
  };
}

function requiredUrl(
  value: string | undefined,
  flag: string,
  target: string,
  problems: string[],
): string {
  if (value === undefined) {
    problems.push(`${flag} is missing; --target ${target} needs it`);
    return '';
  }
  return optionalUrl(value, flag, problems) ?? '';
}

function optionalUrl(value: string | undefined, flag: string, problems: string[]): string | null {
  if (value === undefined) return null;
  const url = URL.canParse(value) ? new URL(value) : null;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    problems.push(`${flag} "${value}" is not an http(s) URL`);
    return null;
  }
  return value.replace(/\/+$/, '');
}

function requiredEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  purpose: string,
  problems: string[],
): string {
  const value = env[name];
  if (!value) problems.push(`${name} is not set; a remote drill needs it because it ${purpose}`);
  return value ?? '';
}
