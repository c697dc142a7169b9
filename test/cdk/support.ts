import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { resolveConfig, settingsFromContext, type HappyOsConfig } from '../../lib/config/index.js';
import { createHappyOsStacks, type HappyOsStacks } from '../../lib/happy-os.js';
import { PROJECT_ROOT } from '../../lib/lambda-entries.js';
import { addComplianceChecks } from '../../lib/nag.js';

/** The first synth in a process loads the CloudFormation validator, which takes about 10 s. */
export const SYNTH_TIMEOUT_MS = 120_000;

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(PROJECT_ROOT, file), 'utf8')) as Record<string, unknown>;
}

/** Feature flags and CLI settings from cdk.json, as `cdk synth` passes them to the app. */
export const CDK_JSON_CONTEXT = readJson('cdk.json').context as Record<string, unknown>;

/** Context of a test app: cdk.json, then cdk.context.json, merged as the CDK CLI merges them. */
export const APP_CONTEXT = { ...CDK_JSON_CONTEXT, ...readJson('cdk.context.json') };

/** Settings of cdk.context.json (region and zones), plus bundle=false: no entry is built. */
export const BASE_SETTINGS: Readonly<Record<string, unknown>> = {
  ...settingsFromContext(new App({ context: APP_CONTEXT }).node),
  bundle: false,
};

/** Failover settings for a hosted zone that exists only in these tests. */
export const FAILOVER_SETTINGS = {
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  hostedZoneName: 'example.com',
  failoverDomain: 'api.example.com',
  edgeEndpoint: 'edge.example.net',
} as const;

/** One synthesized installation. */
export interface Synthesized {
  readonly config: HappyOsConfig;
  readonly stacks: HappyOsStacks;
  /** Returns the template of one of the stacks. */
  template(stack: Stack): Template;
}

/**
 * Builds a fresh app with the stacks and the cdk-nag checks, and synthesizes it. The synth throws
 * on any unacknowledged cdk-nag finding, error or warning, and on any context the CLI would have
 * to look up in AWS, so every test that calls this also checks both.
 */
export function synthHappyOs(settings: Readonly<Record<string, unknown>> = {}): Synthesized {
  const app = new App({ context: APP_CONTEXT });
  const config = resolveConfig({ ...settingsFromContext(app.node), bundle: false, ...settings });
  const stacks = createHappyOsStacks(app, config);
  addComplianceChecks(app);
  const assembly = app.synth();

  // The CLI would look missing context up in AWS, which `cdk synth` must never need.
  const missing = (assembly.manifest.missing ?? []).map((entry) => entry.key);
  if (missing.length > 0) throw new Error(`synth needs context lookups: ${missing.join(', ')}`);
  return { config, stacks, template: (stack) => Template.fromStack(stack) };
}

/** A statement of an IAM policy, in the form of a CloudFormation template. */
export interface PolicyStatementJson {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** Returns the statements of every `AWS::IAM::Policy` whose roles include `roleLogicalId`. */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatementJson[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) =>
      (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleLogicalId),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as PolicyStatementJson[]);
}

/** Returns the actions of a statement as a list. */
export function actionsOf(statement: PolicyStatementJson): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Returns the key policy statements, across every `AWS::KMS::Key`, that name `service`. */
export function keyStatementsFor(template: Template, service: string): PolicyStatementJson[] {
  const keys = Object.values(template.findResources('AWS::KMS::Key'));
  return keys
    .flatMap((key) => key.Properties.KeyPolicy.Statement as PolicyStatementJson[])
    .filter((statement) => JSON.stringify(statement).includes(`"Service":"${service}"`));
}

/**
 * Returns the condition that limits an alarm topic key to CloudWatch alarms of this account in
 * `region`.
 */
export function alarmKeyCondition(region: string): Record<string, unknown> {
  return {
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: {
      'aws:SourceArn': {
        'Fn::Join': ['', [`arn:aws:cloudwatch:${region}:`, { Ref: 'AWS::AccountId' }, ':alarm:*']],
      },
    },
  };
}
