import { CloudFormationValidatePlugin, Stack, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Options of {@link addComplianceChecks}. */
export interface ComplianceCheckOptions {
  /**
   * Whether to add CDK's CloudFormation template validator too, for an app created with
   * `builtinCloudFormationValidation: false`. Apps that keep the default run it anyway.
   * @default false
   */
  readonly validateTemplates?: boolean;
}

/**
 * Adds the cdk-nag AwsSolutions checks to an app. They run when the app synthesizes: an
 * unacknowledged finding, error or warning, fails `cdk synth`, and makes `app.synth()` throw
 * with the report in the message.
 */
export function addComplianceChecks(app: App, options: ComplianceCheckOptions = {}): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  if (options.validateTemplates) Validations.of(app).addPlugins(new CloudFormationValidatePlugin());
}

/**
 * Acknowledges one finding of rule `ruleId` (such as `AwsSolutions-IAM5`) about the resource
 * `resource` of an IAM policy on `scope`. cdk-nag 3 names such findings `Resource::<value>`, with
 * `Ref` written as `<Name>` and `Fn::GetAtt` as `<LogicalId.Attribute>`. This function resolves
 * `resource` in the stack of `scope` and writes it the same way. It cannot know how a reference
 * to another stack will be written, so `resource` must contain none.
 */
export function acknowledgeResourceFinding(
  scope: IConstruct,
  ruleId: string,
  resource: string,
  reason: string,
): void {
  const flat = flatten(Stack.of(scope).resolve(resource));
  Validations.of(scope).acknowledge({ id: `${ruleId}[Resource::${flat}]`, reason });
}

function flatten(node: unknown): string {
  if (typeof node === 'string') return node;
  if (typeof node !== 'object' || node === null) return JSON.stringify(node);
  const value = node as Record<string, unknown>;
  if (Array.isArray(value['Fn::Join'])) {
    const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (Array.isArray(value['Fn::GetAtt'])) {
    const [logicalId, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(logicalId)}.${flatten(attribute)}>`;
  }
  if (value.Ref !== undefined) return `<${flatten(value.Ref)}>`;
  return JSON.stringify(node);
}
