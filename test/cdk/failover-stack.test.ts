import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FAILOVER_SETTINGS, SYNTH_TIMEOUT_MS, synthHappyOs } from './support.js';

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
        SearchString: '"healthy"',
        RequestInterval: 10,
        FailureThreshold: 3,
        EnableSNI: true,
      }),
    });
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
