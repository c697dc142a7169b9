import type { Node } from 'constructs';
import { missingEntries } from '../lambda-entries.js';
import { HOST_NAME, SettingsReader } from './reader.js';
import {
  DEPLOYMENT_CONFIGS,
  HappyOsConfigError,
  RETENTION_DAYS,
  SETTING_KEYS,
  type CacheConfig,
  type FailoverConfig,
  type FunctionsConfig,
  type HappyOsConfig,
  type SearchConfig,
} from './types.js';

/**
 * Reads every plain camelCase context key, so that {@link resolveConfig} can reject a misspelt
 * setting. Keys of CDK itself contain `:`, `@` or `-` and are left out.
 */
export function settingsFromContext(node: Node): Record<string, unknown> {
  const context = node.getAllContext() as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(context).filter(([key]) => /^[a-z][A-Za-z0-9]*$/.test(key)),
  );
}

/**
 * Checks settings and fills in defaults; the README section "Deploying the cloud path" lists
 * the settings and their defaults.
 *
 * @throws {HappyOsConfigError} listing every problem found, not only the first.
 */
export function resolveConfig(settings: Readonly<Record<string, unknown>>): HappyOsConfig {
  const read = new SettingsReader(settings);
  for (const key of Object.keys(settings)) {
    if (!(SETTING_KEYS as readonly string[]).includes(key)) {
      read.problem(`${key}: unknown setting; known settings are ${SETTING_KEYS.join(', ')}.`);
    }
  }

  const target = read.choice('target', 'aws', ['aws', 'localstack'] as const);
  const local = target === 'localstack';
  const account = read.optionalString('account', /^\d{12}$/, 'a 12-digit AWS account id');
  const region = read.optionalString(
    'region',
    /^[a-z]{2}(-[a-z]+)+-\d$/,
    'a region such as eu-west-1',
  );
  if (!read.has('region')) read.problem('region: missing; cdk.context.json sets the default.');
  const zones = readZones(read, region ?? 'eu-west-1');
  const alarmEmail = read.optionalString('alarmEmail', /^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an email');
  const cache = readCache(read, local);
  const failover = readFailover(read, local);

  const config: HappyOsConfig = {
    stage: read.string(
      'stage',
      'dev',
      /^[a-z][a-z0-9-]{0,11}$/,
      'a lower-case letter, then up to 11 of a-z, 0-9 and "-"',
    ),
    target,
    ...(account || local ? { account: account ?? '000000000000' } : {}),
    region: region ?? 'eu-west-1',
    availabilityZones: zones,
    natGateways: read.integer('natGateways', local ? 0 : 1, 0, Math.max(zones.length, 1)),
    bundle: readBundle(read),
    validateTemplates: read.boolean('validateTemplates', false),
    search: readSearch(read, zones.length),
    ...(cache ? { cache } : {}),
    functions: readFunctions(read, local),
    api: {
      rateLimit: read.integer('apiRateLimit', 100, 1, 10_000),
      burstLimit: read.integer('apiBurstLimit', 200, 1, 5_000),
    },
    logRetentionDays: read.choice<number>('logRetentionDays', 30, RETENTION_DAYS),
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(failover ? { failover } : {}),
  };
  if (read.problems.length > 0) throw new HappyOsConfigError(read.problems);
  return config;
}

function readZones(read: SettingsReader, region: string): string[] {
  const zones = read.list('availabilityZones');
  if (!read.has('availabilityZones')) {
    read.problem('availabilityZones: missing; cdk.context.json sets the default.');
  }
  if (zones === undefined) return [];
  if (zones.length < 2 || zones.length > 3 || new Set(zones).size !== zones.length) {
    read.problem(`availabilityZones: expected 2 or 3 different zones, received ${zones}.`);
  }
  const foreign = zones.filter((zone) => !new RegExp(`^${region}[a-z]$`).test(zone));
  if (foreign.length > 0) {
    read.problem(
      `availabilityZones: ${foreign.join(', ')} not in region ${region}; list zones of ` +
        `${region}, such as -c availabilityZones=${region}a,${region}b,${region}c.`,
    );
  }
  return zones;
}

function readBundle(read: SettingsReader): boolean {
  const bundle = read.boolean('bundle', true);
  if (!bundle) return false;
  for (const path of missingEntries()) {
    read.problem(
      `bundle: entry ${path} does not exist; write it, or set bundle=false to synthesize ` +
        'with placeholder code that cannot serve requests.',
    );
  }
  return true;
}

function readSearch(read: SettingsReader, zoneCount: number): SearchConfig {
  const instance = /^[a-z0-9]+\.[a-z0-9]+\.search$/;
  const search: SearchConfig = {
    version: read.string('searchVersion', '2.19', /^\d+\.\d+$/, 'a version such as 2.19'),
    instanceType: read.string('searchInstanceType', 'r7g.large.search', instance, 'x.y.search'),
    dataNodes: read.integer('searchDataNodes', Math.max(zoneCount, 2), 2, 80),
    masterInstanceType: read.string(
      'searchMasterInstanceType',
      'm7g.large.search',
      instance,
      'x.y.search',
    ),
    masterNodes: read.choice('searchMasterNodes', 3, [3, 5]),
    volumeGiB: read.integer('searchVolumeGiB', 20, 10, 16_384),
  };
  if (zoneCount > 0 && search.dataNodes % zoneCount !== 0) {
    read.problem(
      `searchDataNodes: ${search.dataNodes} is not a multiple of the ${zoneCount} ` +
        'availability zones, as zone awareness requires.',
    );
  }
  return search;
}

function readCache(read: SettingsReader, local: boolean): CacheConfig | undefined {
  const enabled = read.boolean('cache', !local);
  if (enabled && local) {
    read.problem("cache: LocalStack's free edition has no ElastiCache; set cache=false.");
  }
  const nodeType = read.string(
    'cacheNodeType',
    'cache.r7g.large',
    /^cache\.[a-z0-9]+\.[a-z0-9]+$/,
    'a node type such as cache.r7g.large',
  );
  const replicas = read.integer('cacheReplicas', 1, 1, 5);
  return enabled ? { nodeType, replicas } : undefined;
}

function readFunctions(read: SettingsReader, local: boolean): FunctionsConfig {
  // An HTTP API ends an integration after 30 s, so an API function must finish before that.
  const timeoutSeconds = read.integer('functionTimeoutSeconds', 10, 1, 29);
  const durationAlarmMs = read.integer('durationAlarmMs', 3000, 10, 29_000);
  if (durationAlarmMs >= timeoutSeconds * 1000) {
    read.problem(
      `durationAlarmMs: ${durationAlarmMs} is not below the function timeout of ` +
        `${timeoutSeconds * 1000} ms, so the alarm could not fire before a timeout.`,
    );
  }
  if (local && read.has('deploymentConfig')) {
    read.problem(
      'deploymentConfig: LocalStack only mocks CodeDeploy, so the localstack target ' +
        'publishes each alias at once; remove the setting.',
    );
  }
  const deploymentConfig = read.choice(
    'deploymentConfig',
    'CANARY_10PERCENT_5MINUTES',
    DEPLOYMENT_CONFIGS,
  );
  return {
    memoryMiB: read.integer('functionMemoryMiB', 1024, 128, 10_240),
    timeoutSeconds,
    workerTimeoutSeconds: read.integer('workerTimeoutSeconds', 120, 1, 900),
    durationAlarmMs,
    ...(local ? {} : { deploymentConfig }),
  };
}

const FAILOVER_KEYS = ['hostedZoneId', 'hostedZoneName', 'failoverDomain', 'edgeEndpoint'];

function readFailover(read: SettingsReader, local: boolean): FailoverConfig | undefined {
  const present = FAILOVER_KEYS.filter((key) => read.has(key));
  if (present.length === 0) {
    if (read.has('cloudDomain')) read.problem('cloudDomain: only used with failover settings.');
    return undefined;
  }
  const missing = FAILOVER_KEYS.filter((key) => !read.has(key));
  if (missing.length > 0) {
    read.problem(
      `${missing.join(', ')}: missing; failover needs all of ${FAILOVER_KEYS.join(', ')}.`,
    );
  }
  if (local) read.problem('failover: not available with target=localstack; remove its settings.');

  const host = (key: string) =>
    read.optionalString(key, HOST_NAME, 'a lower-case DNS name with no scheme or final dot');
  const hostedZoneId = read.optionalString('hostedZoneId', /^Z[A-Z0-9]{1,31}$/, 'a zone id');
  const hostedZoneName = host('hostedZoneName');
  const failoverDomain = host('failoverDomain');
  const cloudDomain = host('cloudDomain') ?? (failoverDomain && `cloud.${failoverDomain}`);
  const edgeEndpoint = host('edgeEndpoint');
  const explicit = read.has('cloudDomain') ? { failoverDomain, cloudDomain } : { failoverDomain };
  for (const [key, name] of Object.entries(explicit)) {
    if (hostedZoneName && name && !name.endsWith(`.${hostedZoneName}`)) {
      read.problem(
        `${key}: ${name} is not a subdomain of the hosted zone ${hostedZoneName}, where its ` +
          'CNAME record must go.',
      );
    }
  }
  rejectFailoverLoops(read, failoverDomain, { cloudDomain, edgeEndpoint });
  if (!hostedZoneId || !hostedZoneName || !failoverDomain || !cloudDomain || !edgeEndpoint) {
    return undefined;
  }
  return { hostedZoneId, hostedZoneName, failoverDomain, cloudDomain, edgeEndpoint };
}

/**
 * Records a problem for each failover record that would point at its own name: the PRIMARY
 * record targets `cloudDomain` and the SECONDARY one `edgeEndpoint`, both under the name
 * `failoverDomain`. A CNAME that names itself resolves to no address.
 */
function rejectFailoverLoops(
  read: SettingsReader,
  failoverDomain: string | undefined,
  targets: { readonly cloudDomain: string | undefined; readonly edgeEndpoint: string | undefined },
): void {
  if (!failoverDomain) return;
  if (targets.cloudDomain === failoverDomain) {
    read.problem(
      `cloudDomain: ${failoverDomain} is the failover domain itself, so the PRIMARY record ` +
        'would point at its own name; ' +
        `set cloudDomain to another name of the API, or leave it out for cloud.${failoverDomain}.`,
    );
  }
  if (targets.edgeEndpoint === failoverDomain) {
    read.problem(
      `edgeEndpoint: ${failoverDomain} is the failover domain itself, so the SECONDARY ` +
        'record would point at its own name; set edgeEndpoint to the host name of the edge ' +
        'service.',
    );
  }
}
