import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CACHE_PORT } from '../../lib/constructs/cache-cluster.js';
import { SYNTH_TIMEOUT_MS, synthHappyOs } from './support.js';

describe('NetworkStack', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('puts the app subnets behind a NAT gateway by default', () => {
    const { stacks, template } = synthHappyOs();
    const network = template(stacks.network);

    network.resourceCountIs('AWS::EC2::NatGateway', 1);
    const subnets = network.findResources('AWS::EC2::Subnet', {
      Properties: { MapPublicIpOnLaunch: false },
    });
    expect(Object.keys(subnets)).toHaveLength(3);
    network.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL' });
  });

  it('creates the endpoints the functions need', () => {
    const { stacks, template } = synthHappyOs();
    const network = template(stacks.network);

    network.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
    });
    for (const service of ['sqs', 'secretsmanager']) {
      network.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Interface',
        ServiceName: `com.amazonaws.eu-west-1.${service}`,
        PrivateDnsEnabled: true,
      });
    }
  });

  it('admits only the functions to the domain, cache and endpoints', () => {
    const { stacks, template } = synthHappyOs();
    const network = template(stacks.network);
    const functionsGroupId = stacks.network.getLogicalId(
      stacks.network.network.functionsSecurityGroup.node.defaultChild as never,
    );

    const ingress = Object.values(network.findResources('AWS::EC2::SecurityGroupIngress'));
    expect(ingress.map((rule) => rule.Properties.FromPort).sort()).toEqual([443, 443, CACHE_PORT]);
    for (const rule of ingress) {
      expect(rule.Properties.SourceSecurityGroupId).toEqual({
        'Fn::GetAtt': [functionsGroupId, 'GroupId'],
      });
    }
    const groups = Object.values(network.findResources('AWS::EC2::SecurityGroup'));
    const inlineIngress = groups.flatMap((group) => group.Properties.SecurityGroupIngress ?? []);
    expect(inlineIngress).toEqual([]);
  });

  it('isolates the subnets without NAT gateways', () => {
    const { stacks, template } = synthHappyOs({ natGateways: 0 });
    const network = template(stacks.network);

    network.resourceCountIs('AWS::EC2::NatGateway', 0);
    network.resourceCountIs('AWS::EC2::InternetGateway', 0);
  });
});
