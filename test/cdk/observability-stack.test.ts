import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  apiFunctionNames,
  APP_METRICS,
  FUNCTION_METRIC_DIMENSION,
} from '../../lib/lambda-entries.js';
import {
  alarmKeyCondition,
  FAILOVER_SETTINGS,
  keyStatementsFor,
  SYNTH_TIMEOUT_MS,
  synthHappyOs,
} from './support.js';

function dashboardBody(resources: ReturnType<Template['findResources']>): string {
  return JSON.stringify(Object.values(resources)[0]?.Properties.DashboardBody);
}

describe('ObservabilityStack', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('shows every layer on one dashboard', () => {
    const { stacks, template } = synthHappyOs();
    const body = dashboardBody(
      template(stacks.observability).findResources('AWS::CloudWatch::Dashboard'),
    );

    const metrics = [
      'Latency',
      '4xx',
      '5xx',
      'Errors',
      'Duration',
      'Throttles',
      'ConcurrentExecutions',
      'ClusterStatus.red',
      'SearchLatency',
      'EngineCPUUtilization',
      'DatabaseMemoryUsagePercentage',
      'Evictions',
      'ReplicationLag',
      'ApproximateAgeOfOldestMessage',
      'ApproximateNumberOfMessagesVisible',
      'Responses5xx',
      'BreakerOpen',
    ];
    for (const metric of metrics) expect(body, metric).toContain(`\\"${metric}\\"`);
    expect(body).not.toContain('HealthCheckStatus');
  });

  it('reads no metric that nothing in AWS publishes', () => {
    const { stacks, template } = synthHappyOs(FAILOVER_SETTINGS);
    const observability = JSON.stringify(template(stacks.observability).toJSON());

    expect(observability).not.toContain('FailoverFlips');
    expect(observability).toContain('HealthCheckStatus');
  });

  it('points to the router for flips without DNS failover', () => {
    const { stacks, template } = synthHappyOs();
    const body = dashboardBody(
      template(stacks.observability).findResources('AWS::CloudWatch::Dashboard'),
    );

    expect(body).toContain('happy_router_flips_total');
  });

  it('shows the 5xx count of each function', () => {
    const { stacks, template } = synthHappyOs();
    const body = dashboardBody(
      template(stacks.observability).findResources('AWS::CloudWatch::Dashboard'),
    );

    for (const name of apiFunctionNames()) {
      // The dashboard lists dimensions sorted by name.
      const metric = [
        APP_METRICS.responses5xx,
        FUNCTION_METRIC_DIMENSION,
        name,
        'service',
        'happy-os-dev',
      ]
        .map((part) => `\\"${part}\\"`)
        .join(',');
      expect(body, name).toContain(metric);
    }
  });

  it('sends alarms to an encrypted topic', () => {
    const { stacks, template } = synthHappyOs({ alarmEmail: 'ops@example.com' });
    const observability = template(stacks.observability);
    const topicId = Object.keys(observability.findResources('AWS::SNS::Topic'))[0];

    observability.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    observability.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    const alarms = Object.values(observability.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(20);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    }
  });

  it.each([
    ['AWS/ES', 'ClusterStatus.red'],
    ['AWS/ES', 'FreeStorageSpace'],
    ['AWS/ElastiCache', 'EngineCPUUtilization'],
    ['AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
    ['AWS/Lambda', 'Throttles'],
    ['HappyOS', 'BreakerOpen'],
  ])('alarms on %s %s', (namespace, metricName) => {
    const { stacks, template } = synthHappyOs();

    template(stacks.observability).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: namespace,
      MetricName: metricName,
    });
  });

  it('lets only alarms of its account and region use the topic key', () => {
    const { stacks, template } = synthHappyOs();
    const statements = keyStatementsFor(template(stacks.observability), 'cloudwatch.amazonaws.com');

    expect(statements).toHaveLength(1);
    expect(statements[0]?.Condition).toEqual(alarmKeyCondition('eu-west-1'));
  });

  it.each([
    ['one replica', 1, ['happy-os-dev-001', 'happy-os-dev-002']],
    [
      'three replicas',
      3,
      ['happy-os-dev-001', 'happy-os-dev-002', 'happy-os-dev-003', 'happy-os-dev-004'],
    ],
  ])('alarms on the replication lag of every member with %s', (_case, replicas, members) => {
    const { stacks, template } = synthHappyOs({ cacheReplicas: replicas });
    const alarms = Object.values(
      template(stacks.observability).findResources('AWS::CloudWatch::Alarm'),
    ).filter((alarm) => JSON.stringify(alarm.Properties).includes('"ReplicationLag"'));

    expect(alarms).toHaveLength(1);
    const queries = alarms[0]?.Properties.Metrics as {
      Expression?: string;
      MetricStat?: { Metric: { Dimensions: { Value: string }[] } };
    }[];
    const watched = queries.flatMap((query) => query.MetricStat?.Metric.Dimensions ?? []);
    expect(watched.map((dimension) => dimension.Value).sort()).toEqual(members);
    expect(queries.find((query) => query.Expression)?.Expression).toMatch(/^MAX\(\[/);
    expect(alarms[0]?.Properties.Threshold).toBe(1);
  });

  it('has no replication lag alarm without a cache', () => {
    const { stacks, template } = synthHappyOs({ cache: false });
    const observability = JSON.stringify(template(stacks.observability).toJSON());

    expect(observability).not.toContain('ReplicationLag');
  });

  it('alarms on the API 5xx rate', () => {
    const { stacks, template } = synthHappyOs();

    template(stacks.observability).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(requests > 0, 100 * errors / requests, 0)' }),
      ]),
      Threshold: 1,
    });
  });
});
