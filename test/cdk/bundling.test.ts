import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { HandlerFunction } from '../../lib/constructs/handler-function.js';
import {
  allFunctionNames,
  missingEntries,
  TASK_WORKER,
  type FunctionName,
} from '../../lib/lambda-entries.js';
import { ROUTES } from '../../lambdas/handlers/routes.js';
import { CDK_JSON_CONTEXT, SYNTH_TIMEOUT_MS } from './support.js';

/**
 * Returns a text that only the named function's bundle contains: the route key of its last
 * route, which no message of another module repeats, or a message of the task worker.
 */
function markerOf(name: FunctionName): string {
  if (name === TASK_WORKER) return 'stays in the queue';
  const route = ROUTES.filter((candidate) => candidate.handler === name).at(-1);
  return `${route?.method} ${route?.path}`;
}

/** Creates a stack with a bundled HandlerFunction for each of `names`. */
function stackWithFunctions(app: App, names: readonly FunctionName[]): Stack {
  const stack = new Stack(app, 'Bundling');
  const vpc = new Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'app', subnetType: SubnetType.PRIVATE_ISOLATED }],
  });
  const securityGroup = new SecurityGroup(stack, 'Group', { vpc });
  for (const name of names) {
    new HandlerFunction(stack, `Function-${name}`, {
      name,
      functionName: `bundling-${name}`,
      environment: {},
      vpc,
      subnets: { subnetGroupName: 'app' },
      securityGroup,
      memoryMiB: 128,
      timeout: Duration.seconds(3),
      bundle: true,
      logRetention: RetentionDays.ONE_DAY,
      durationAlarmMs: 1000,
    });
  }
  return stack;
}

describe('HandlerFunction bundling', { timeout: SYNTH_TIMEOUT_MS }, () => {
  const bundles = new Map<FunctionName, { handler: string; file: string }>();

  beforeAll(() => {
    const app = new App({ context: CDK_JSON_CONTEXT });
    const stack = stackWithFunctions(app, allFunctionNames());
    const assembly = app.synth();
    const template = Template.fromStack(stack);
    for (const name of allFunctionNames()) {
      const functions = template.findResources('AWS::Lambda::Function', {
        Properties: { FunctionName: `bundling-${name}` },
      });
      const properties = Object.values(functions)[0]?.Properties;
      const assetHash = (properties.Code.S3Key as string).replace(/\.zip$/, '');
      const file = join(assembly.directory, `asset.${assetHash}`, 'index.mjs');
      bundles.set(name, { handler: properties.Handler as string, file });
    }
  });

  it('finds every entry module', () => {
    expect(missingEntries()).toEqual([]);
  });

  it.each(allFunctionNames())('bundles %s with the local esbuild', (name) => {
    const bundle = bundles.get(name);
    expect(bundle?.handler).toBe('index.handler');
    expect(existsSync(bundle?.file ?? '')).toBe(true);
    expect(existsSync(`${bundle?.file}.map`)).toBe(true);

    const text = readFileSync(bundle?.file ?? '', 'utf8');
    expect(text).toContain(markerOf(name));
    expect(text).toContain('createRequire');
    // Minified: lines of thousands of characters. esbuild adds the `@preserve` comments of the
    // packages as short lines at the end, so the line count alone proves nothing.
    expect(text.length / text.split('\n').length).toBeGreaterThan(1000);
    // The AWS SDK is bundled, so no import of it is left for the runtime to resolve.
    expect(text).not.toMatch(/(from|import\()\s*["']@aws-sdk\//);
  });

  it('maps stack traces to the sources', () => {
    const file = bundles.get('memory')?.file ?? '';
    expect(readFileSync(file, 'utf8')).toContain('//# sourceMappingURL=index.mjs.map');

    // Without its environment the bundle throws at import. With the NODE_OPTIONS the stack sets,
    // the stack trace must name the TypeScript module that threw, as it does in Lambda.
    const child = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(file).href)})`],
      { env: { PATH: process.env.PATH, NODE_OPTIONS: '--enable-source-maps' }, encoding: 'utf8' },
    );
    expect(child.status).not.toBe(0);
    expect(child.stderr).toMatch(/lambdas\/entry\/environment\.ts:\d+/);
  });

  it('leaves zod locales other than English out', () => {
    const memory = readFileSync(bundles.get('memory')?.file ?? '', 'utf8');

    // Text of zod's German and Japanese messages, and of its English one.
    expect(memory).not.toContain('Ungültige Eingabe');
    expect(memory).not.toContain('無効な入力');
    expect(memory).toContain('Invalid input: expected');
  });

  it('keeps each function to its own handler', () => {
    const memory = readFileSync(bundles.get('memory')?.file ?? '', 'utf8');
    expect(memory).not.toContain(markerOf('files'));
    const worker = readFileSync(bundles.get(TASK_WORKER)?.file ?? '', 'utf8');
    expect(worker).not.toContain(markerOf('memory'));
  });

  it('leaves SQS and S3 out where unused', () => {
    // Service names that the two AWS SDK clients carry as strings through minification.
    const clients = (name: FunctionName) => {
      const text = readFileSync(bundles.get(name)?.file ?? '', 'utf8');
      return { s3: text.includes('"S3Client"'), sqs: text.includes('AmazonSQS') };
    };
    for (const name of ['agents', 'memory', 'search'] as const) {
      expect(clients(name), name).toEqual({ s3: false, sqs: false });
    }
    for (const name of ['files', 'tasks', 'health', 'replication', TASK_WORKER] as const) {
      expect(clients(name), name).toEqual({ s3: true, sqs: true });
    }
  });

  it('skips stacks the command does not bundle', () => {
    // `cdk ls` and `cdk deploy --exclusively <other stack>` synthesize with this context.
    const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const stack = stackWithFunctions(app, ['memory']);
    const assembly = app.synth();

    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'bundling-memory',
      Handler: 'index.handler',
      Code: { ZipFile: Match.stringLikeRegexp('without bundling') },
    });
    expect(existsSync(join(assembly.directory, 'bundling-functions'))).toBe(false);
  });
});
