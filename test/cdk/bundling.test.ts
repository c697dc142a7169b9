import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { HandlerFunction } from '../../lib/constructs/handler-function.js';
import { CDK_JSON_CONTEXT, SYNTH_TIMEOUT_MS } from './support.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'routes-entry.ts');

describe('HandlerFunction bundling', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('bundles with the local esbuild', () => {
    const app = new App({ context: CDK_JSON_CONTEXT });
    const stack = new Stack(app, 'Bundling');
    const vpc = new Vpc(stack, 'Vpc', {
      natGateways: 0,
      subnetConfiguration: [{ name: 'app', subnetType: SubnetType.PRIVATE_ISOLATED }],
    });
    new HandlerFunction(stack, 'Routes', {
      name: 'health',
      functionName: 'bundling-test',
      entry: FIXTURE,
      environment: {},
      vpc,
      subnets: { subnetGroupName: 'app' },
      securityGroup: new SecurityGroup(stack, 'Group', { vpc }),
      memoryMiB: 128,
      timeout: Duration.seconds(3),
      bundle: true,
      logRetention: RetentionDays.ONE_DAY,
      durationAlarmMs: 1000,
    });

    const assembly = app.synth();
    const template = Template.fromStack(stack);
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: 'bundling-test' },
    });
    const code = Object.values(functions)[0]?.Properties.Code;
    const assetHash = (code.S3Key as string).replace(/\.zip$/, '');
    const bundle = join(assembly.directory, `asset.${assetHash}`, 'index.mjs');

    expect(Object.values(functions)[0]?.Properties.Handler).toBe('index.handler');
    expect(existsSync(bundle)).toBe(true);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    const text = readFileSync(bundle, 'utf8');
    expect(text).toContain('/api/v1/{agent}/memory/keys/{key}');
    expect(text).toContain('createRequire');
    // Minified: the bundle has only a few lines, however long the sources are.
    expect(text.split('\n').length).toBeLessThan(10);
  });
});
