import { describe, expect, it } from 'vitest';
import { HappyOsConfigError, resolveConfig } from '../../lib/config/index.js';
import { missingEntries } from '../../lib/lambda-entries.js';
import { BASE_SETTINGS, FAILOVER_SETTINGS } from './support.js';

function problemsOf(settings: Record<string, unknown>): readonly string[] {
  try {
    resolveConfig({ ...BASE_SETTINGS, ...settings });
  } catch (error) {
    if (error instanceof HappyOsConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('resolveConfig', () => {
  it('fills in defaults', () => {
    const config = resolveConfig(BASE_SETTINGS);

    expect(config.stage).toBe('dev');
    expect(config.target).toBe('aws');
    expect(config.account).toBeUndefined();
    expect(config.natGateways).toBe(1);
    expect(config.search.dataNodes).toBe(3);
    expect(config.search.masterNodes).toBe(3);
    expect(config.cache).toEqual({ nodeType: 'cache.r7g.large', replicas: 1 });
    expect(config.functions.deploymentConfig).toBe('CANARY_10PERCENT_5MINUTES');
    expect(config.failover).toBeUndefined();
  });

  it('reads command-line strings', () => {
    const config = resolveConfig({
      ...BASE_SETTINGS,
      availabilityZones: 'eu-west-1a,eu-west-1b',
      natGateways: '0',
      cache: 'false',
      searchDataNodes: '4',
      logRetentionDays: '90',
    });

    expect(config.availabilityZones).toEqual(['eu-west-1a', 'eu-west-1b']);
    expect(config.natGateways).toBe(0);
    expect(config.cache).toBeUndefined();
    expect(config.search.dataNodes).toBe(4);
    expect(config.logRetentionDays).toBe(90);
  });

  it('rejects a bad configuration listing every problem', () => {
    const settings = {
      stage: 'Prod!',
      natGateway: 1,
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      searchDataNodes: 3,
      functionMemoryMiB: 64,
      deploymentConfig: 'CANARY_50PERCENT',
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      failoverDomain: 'https://api.example.com',
    };

    let caught: unknown;
    try {
      resolveConfig({ ...BASE_SETTINGS, ...settings });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(HappyOsConfigError);
    const message = (caught as Error).message;
    const expected = [
      'stage: expected a lower-case letter, then up to 11 of a-z, 0-9 and "-", received "Prod!".',
      'natGateway: unknown setting',
      'availabilityZones: us-east-1a, us-east-1b not in region eu-west-1',
      'searchDataNodes: 3 is not a multiple of the 2 availability zones',
      'functionMemoryMiB: expected an integer from 128 to 10240, received 64.',
      'deploymentConfig: expected one of CANARY_10PERCENT_5MINUTES',
      'hostedZoneName, edgeEndpoint: missing; failover needs all of',
      'failoverDomain: expected a lower-case DNS name with no scheme or final dot',
    ];
    for (const text of expected) expect(message).toContain(text);
    expect((caught as HappyOsConfigError).problems).toHaveLength(expected.length);
    expect(message).toContain(`(${expected.length} problems)`);
  });

  it.each([
    [{ cache: true }, "cache: LocalStack's free edition has no ElastiCache"],
    [{ deploymentConfig: 'ALL_AT_ONCE' }, 'deploymentConfig: LocalStack only mocks CodeDeploy'],
    [FAILOVER_SETTINGS, 'failover: not available with target=localstack'],
  ])('rejects %o for LocalStack', (settings, problem) => {
    const problems = problemsOf({ target: 'localstack', ...settings });

    expect(problems).toEqual([expect.stringContaining(problem)]);
  });

  it.each([
    [{ durationAlarmMs: 10_000 }, 'durationAlarmMs: 10000 is not below the function timeout'],
    [{ natGateways: 4 }, 'natGateways: expected an integer from 0 to 3'],
    [{ region: undefined }, 'region: missing'],
    [{ availabilityZones: ['eu-west-1a'] }, 'availabilityZones: expected 2 or 3 different'],
    [{ alarmEmail: 'ops' }, 'alarmEmail: expected an email'],
    [{ cloudDomain: 'cloud.example.com' }, 'cloudDomain: only used with failover settings'],
    [
      { ...FAILOVER_SETTINGS, failoverDomain: 'api.example.org' },
      'failoverDomain: api.example.org is not a subdomain of the hosted zone example.com',
    ],
    [
      { ...FAILOVER_SETTINGS, edgeEndpoint: 'api.example.com' },
      'edgeEndpoint: api.example.com is the failover domain itself',
    ],
    [
      { ...FAILOVER_SETTINGS, cloudDomain: 'api.example.com' },
      'cloudDomain: api.example.com is the failover domain itself',
    ],
  ])('rejects %o', (settings, problem) => {
    expect(problemsOf(settings)).toEqual([expect.stringContaining(problem)]);
  });

  it('lists both failover names that equal the failover domain', () => {
    const settings = { cloudDomain: 'api.example.com', edgeEndpoint: 'api.example.com' };

    const problems = problemsOf({ ...FAILOVER_SETTINGS, ...settings });

    expect(problems).toEqual([
      expect.stringContaining('cloudDomain: api.example.com is the failover domain itself'),
      expect.stringContaining('edgeEndpoint: api.example.com is the failover domain itself'),
    ]);
  });

  it('derives the cloud domain from the failover domain', () => {
    const config = resolveConfig({ ...BASE_SETTINGS, ...FAILOVER_SETTINGS });

    expect(config.failover?.cloudDomain).toBe('cloud.api.example.com');
  });

  it('reports missing entry modules when bundling', () => {
    const problems = problemsOf({ bundle: true });

    const expected = missingEntries().map((path) =>
      expect.stringContaining(`bundle: entry ${path} does not exist`),
    );
    expect(problems).toEqual(expected);
  });
});
