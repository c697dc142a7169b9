import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SYNTH_TIMEOUT_MS, synthHappyOs } from './support.js';

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
      'FailoverFlips',
    ];
    for (const metric of metrics) expect(body, metric).toContain(`\\"${metric}\\"`);
    expect(body).not.toContain('HealthCheckStatus');
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
    ['AWS/ElastiCache', 'ReplicationLag'],
    ['AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
    ['AWS/Lambda', 'Throttles'],
    ['HappyOS', 'BreakerOpen'],
    ['HappyOS', 'FailoverFlips'],
  ])('alarms on %s %s', (namespace, metricName) => {
    const { stacks, template } = synthHappyOs();

    template(stacks.observability).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: namespace,
      MetricName: metricName,
    });
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
