import { App, Stack } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { addComplianceChecks } from '../../lib/nag.js';
import { CDK_JSON_CONTEXT, FAILOVER_SETTINGS, SYNTH_TIMEOUT_MS, synthHappyOs } from './support.js';

describe('cdk-nag AwsSolutions checks', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it.each([
    ['the defaults', {}],
    ['two zones without NAT', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 0 }],
    ['no cache', { cache: false }],
    ['failover in another region', FAILOVER_SETTINGS],
    [
      'failover in us-east-1',
      {
        ...FAILOVER_SETTINGS,
        region: 'us-east-1',
        availabilityZones: ['us-east-1a', 'us-east-1b'],
      },
    ],
    ['the localstack target', { target: 'localstack' }],
  ])('pass for %s', (_name, settings) => {
    expect(() => synthHappyOs(settings)).not.toThrow();
  });

  it('fail the synth on an unacknowledged finding', () => {
    const app = new App({ context: CDK_JSON_CONTEXT });
    const stack = new Stack(app, 'Noncompliant');
    new Bucket(stack, 'Plain');
    addComplianceChecks(app);

    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });
});
