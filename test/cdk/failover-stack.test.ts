import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { HEALTH_CHECK_SEARCH_STRING } from '../../lib/constructs/failover-records.js';
import { RedisHealthProbe } from '../../lambdas/adapters/redis/index.js';
import type { RedisGateway } from '../../lambdas/adapters/redis/gateway.js';
import { runProbe } from '../../lambdas/adapters/sqs/health-probe.js';
import { HealthService } from '../../lambdas/core/health.js';
import { createHealthHandler, type HandlerServices } from '../../lambdas/handlers/index.js';
import type { AppLogger, HealthProbe } from '../../lambdas/ports/index.js';
import { apiGatewayEvent, lambdaContext } from '../support/events.js';
import {
  alarmKeyCondition,
  FAILOVER_SETTINGS,
  keyStatementsFor,
  SYNTH_TIMEOUT_MS,
  synthHappyOs,
} from './support.js';

const FAILOVER_IN_US_EAST_1 = {
  ...FAILOVER_SETTINGS,
  region: 'us-east-1',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
};

/** Route 53 looks for the search string only in the first 5,120 bytes of the body. */
const ROUTE53_SEARCHED_BYTES = 5120;

const silentLogger: AppLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

const passing = (name: string): HealthProbe => ({
  name,
  check: async () => ({ name, status: 'pass', latencyMs: 1.234 }),
});

/** A probe that reports `warn` with the detail the SQS and S3 probes write on failure. */
const warning = (name: string): HealthProbe => ({
  name,
  check: () =>
    runProbe(name, 'task submissions fail until it recovers', async () => {
      throw new Error('connection reset');
    }),
});

const redisDown = new RedisHealthProbe({
  ping: async () => {
    throw new Error('connection refused');
  },
} as unknown as RedisGateway);

/** Returns the status and body of the cloud's `GET /health` with these probes. */
async function cloudHealth(probes: HealthProbe[]): Promise<{ status: number; body: string }> {
  const services = {
    service: 'cloud',
    logger: silentLogger,
    health: new HealthService(probes),
  } as unknown as HandlerServices;
  const handler = createHealthHandler(services);

  const result = await handler(
    apiGatewayEvent({ method: 'GET', route: '/health' }),
    lambdaContext(),
  );
  return { status: result.statusCode ?? 0, body: result.body ?? '' };
}

describe('FailoverStack', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('is absent without failover settings', () => {
    const { stacks, template } = synthHappyOs();

    expect(stacks.failover).toBeUndefined();
    for (const stack of [stacks.network, stacks.data, stacks.api, stacks.observability]) {
      template(stack).resourceCountIs('AWS::Route53::HealthCheck', 0);
      template(stack).resourceCountIs('AWS::Route53::RecordSet', 0);
      template(stack).resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    }
  });

  it('probes the API health in us-east-1 every 10 seconds', () => {
    const { stacks, template } = synthHappyOs(FAILOVER_SETTINGS);
    if (!stacks.failover) throw new Error('expected a failover stack');

    expect(stacks.failover.region).toBe('us-east-1');
    template(stacks.failover).hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({
        Type: 'HTTPS_STR_MATCH',
        FullyQualifiedDomainName: 'cloud.api.example.com',
        Port: 443,
        ResourcePath: '/health',
        SearchString: '"service":"cloud"',
        RequestInterval: 10,
        FailureThreshold: 3,
        EnableSNI: true,
      }),
    });
  });

  it.each([
    ['healthy', [passing('opensearch'), passing('redis'), passing('sqs'), passing('s3')]],
    ['degraded by the cache', [passing('opensearch'), redisDown, passing('sqs'), passing('s3')]],
    [
      'degraded by everything else',
      [passing('opensearch'), redisDown, warning('sqs'), warning('s3')],
    ],
  ])('matches the %s cloud /health body', async (_case, probes) => {
    const { status, body } = await cloudHealth(probes);
    const end = body.indexOf(HEALTH_CHECK_SEARCH_STRING) + HEALTH_CHECK_SEARCH_STRING.length;

    expect(status).toBe(200);
    expect(body).toContain(HEALTH_CHECK_SEARCH_STRING);
    expect(Buffer.byteLength(body.slice(0, end))).toBeLessThanOrEqual(ROUTE53_SEARCHED_BYTES);
  });

  it('fails on a degraded body under the old search string', async () => {
    const { status, body } = await cloudHealth([passing('opensearch'), redisDown]);

    expect(status).toBe(200);
    expect(body).toContain('"status":"degraded"');
    expect(body).not.toContain('"healthy"');
  });

  it.each([
    ['API Gateway', '{"message":"Not Found"}'],
    ['a proxy', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    ['the edge', '{"status":"healthy","checks":[],"service":"edge"}'],
  ])('does not match a body from %s', (_source, body) => {
    expect(body).not.toContain(HEALTH_CHECK_SEARCH_STRING);
  });

  it('points the failover name at the cloud, then the edge', () => {
    const { stacks, template } = synthHappyOs(FAILOVER_SETTINGS);
    if (!stacks.failover) throw new Error('expected a failover stack');
    const failover = template(stacks.failover);
    const healthCheckId = Object.keys(failover.findResources('AWS::Route53::HealthCheck'))[0];

    const common = { Type: 'CNAME', HostedZoneId: 'Z0123456789ABCDEFGHIJ', TTL: '30' };
    failover.hasResourceProperties('AWS::Route53::RecordSet', {
      ...common,
      Name: 'api.example.com.',
      Failover: 'PRIMARY',
      ResourceRecords: ['cloud.api.example.com'],
      HealthCheckId: { Ref: healthCheckId },
    });
    failover.hasResourceProperties('AWS::Route53::RecordSet', {
      ...common,
      Name: 'api.example.com.',
      Failover: 'SECONDARY',
      ResourceRecords: ['edge.example.net'],
    });
  });

  it('alarms when the health check fails', () => {
    const { stacks, template } = synthHappyOs(FAILOVER_SETTINGS);
    if (!stacks.failover) throw new Error('expected a failover stack');

    template(stacks.failover).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Route53',
      MetricName: 'HealthCheckStatus',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      AlarmActions: [Match.anyValue()],
    });
    template(stacks.failover).hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: Match.anyValue(),
    });
  });

  it.each([
    ['another region', FAILOVER_SETTINGS],
    ['us-east-1', FAILOVER_IN_US_EAST_1],
  ])('lets only alarms of us-east-1 use its topic key, API in %s', (_case, settings) => {
    const { stacks, template } = synthHappyOs(settings);
    if (!stacks.failover) throw new Error('expected a failover stack');
    const statements = keyStatementsFor(template(stacks.failover), 'cloudwatch.amazonaws.com');

    expect(statements).toHaveLength(1);
    expect(statements[0]?.Condition).toEqual(alarmKeyCondition('us-east-1'));
  });

  it('turns the execute-api endpoint off behind the custom domains', () => {
    const { stacks, template } = synthHappyOs(FAILOVER_SETTINGS);
    const api = template(stacks.api);

    api.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
    expect(stacks.api.url).toBe('https://api.example.com/');
    api.hasOutput('ApiUrl', { Value: 'https://api.example.com/' });
    api.hasOutput('CloudUrl', { Value: 'https://cloud.api.example.com/' });
    if (!stacks.failover) throw new Error('expected a failover stack');
    const checks = template(stacks.failover).findResources('AWS::Route53::HealthCheck');
    // The execute-api name in Lambda permissions is the service of an ARN, not the endpoint.
    const pointers = [
      ...[stacks.api, stacks.observability, stacks.failover].map((stack) =>
        JSON.stringify(template(stack).findOutputs('*')),
      ),
      JSON.stringify(checks),
    ];
    for (const text of pointers) {
      expect(text).not.toContain('execute-api');
      expect(text).not.toContain('ApiEndpoint');
    }
  });

  it('keeps the execute-api endpoint on without custom domains', () => {
    const { stacks, template } = synthHappyOs();
    const api = template(stacks.api);

    api.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: false });
    expect(JSON.stringify(api.findOutputs('ApiUrl'))).toContain('execute-api');
    expect(api.findOutputs('CloudUrl')).toEqual({});
  });

  it('serves both names from the API over TLS 1.2', () => {
    const { stacks, template } = synthHappyOs(FAILOVER_SETTINGS);
    const api = template(stacks.api);

    api.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'api.example.com',
      SubjectAlternativeNames: ['cloud.api.example.com'],
      ValidationMethod: 'DNS',
    });
    for (const name of ['api.example.com', 'cloud.api.example.com']) {
      api.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
        DomainName: name,
        DomainNameConfigurations: [Match.objectLike({ SecurityPolicy: 'TLS_1_2' })],
      });
    }
    api.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'cloud.api.example.com.',
      Type: 'A',
    });
  });

  it('shows the health check on the dashboard', () => {
    const { stacks, template } = synthHappyOs(FAILOVER_SETTINGS);
    const dashboards = template(stacks.observability).findResources('AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(Object.values(dashboards)[0]?.Properties.DashboardBody);

    expect(body).toContain('HealthCheckStatus');
    expect(body).toContain('Fn::GetStackOutput');
  });
});
