import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  TreatMissingData,
  type IAlarm,
} from 'aws-cdk-lib/aws-cloudwatch';
import {
  LambdaDeploymentGroup,
  type ILambdaApplication,
  type ILambdaDeploymentConfig,
} from 'aws-cdk-lib/aws-codedeploy';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  Alias,
  Architecture,
  Code,
  Function as LambdaFunction,
  Runtime,
  Tracing,
  type FunctionProps,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionName } from '../lambda-entries.js';
import { BUNDLE_HANDLER, functionCode } from './bundling.js';
import { function5xxMetric } from './monitored-resources.js';

/** Properties of {@link HandlerFunction}. */
export interface HandlerFunctionProps {
  readonly name: FunctionName;
  /** Physical function name, such as `happy-os-dev-memory`. */
  readonly functionName: string;
  /**
   * Environment variables. `POWERTOOLS_SERVICE_NAME` is also the `service` dimension of the 5xx
   * alarm's metric, and without it Powertools publishes `service_undefined`.
   */
  readonly environment: Record<string, string>;
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  readonly securityGroup: ISecurityGroup;
  readonly memoryMiB: number;
  readonly timeout: Duration;
  /** Whether to bundle the entry module; false deploys placeholder code that always fails. */
  readonly bundle: boolean;
  readonly logRetention: RetentionDays;
  /** Key that encrypts the log group. @default the CloudWatch Logs default encryption */
  readonly logEncryptionKey?: IKey;
  /** p99 duration, in ms, above which a deployment rolls back. */
  readonly durationAlarmMs: number;
  /**
   * Gradual deployment of new versions through CodeDeploy, rolled back on the alarms.
   * @default none: the alias points at each new version at once
   */
  readonly deploymentConfig?: ILambdaDeploymentConfig;
  /** CodeDeploy application of the deployment group. @default one created by the group */
  readonly application?: ILambdaApplication;
}

const PLACEHOLDER_CODE =
  "exports.handler = async () => { throw new Error('No code: this function was synthesized " +
  "with bundle=false or without bundling. Deploy again with bundling on.'); };";

/**
 * One Lambda function of the cloud path (nodejs22.x on arm64, in the VPC, traced with X-Ray),
 * its log group, a `live` alias that callers use, and alarms on the alias for errors and p99
 * duration, plus one on the 5xx responses the function returns. With `deploymentConfig`,
 * CodeDeploy shifts traffic to each new version gradually and rolls back when any of the three
 * fires.
 *
 * The function's role starts with only what running in the VPC and logging need; the stack
 * grants each function its own resources.
 */
export class HandlerFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly alias: Alias;
  readonly errorsAlarm: IAlarm;
  readonly durationAlarm: IAlarm;
  /** Alarm on the 5xx responses of this function alone (`Responses5xx` by `function`). */
  readonly responses5xxAlarm: IAlarm;
  readonly deploymentGroup?: LambdaDeploymentGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    // Lambda writes to /aws/lambda/<function name>. A retained group of that name would make
    // a later deployment of the same stage fail, so this one goes with the stack.
    const logGroup = new LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: props.logRetention,
      ...(props.logEncryptionKey ? { encryptionKey: props.logEncryptionKey } : {}),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = this.createRole(logGroup);
    const common: Omit<FunctionProps, 'code' | 'handler'> = {
      functionName: props.functionName,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memoryMiB,
      timeout: props.timeout,
      environment: props.environment,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      role: this.role,
      logGroup,
      tracing: Tracing.ACTIVE,
    };
    const placeholder = Code.fromInline(PLACEHOLDER_CODE);
    // A NodejsFunction whose code is the bundle of lambdas/entry/<name>.ts, built by the local
    // esbuild together with the other functions' bundles (lib/constructs/bundling.ts).
    this.function = props.bundle
      ? new NodejsFunction(this, 'Function', {
          ...common,
          handler: BUNDLE_HANDLER,
          code: functionCode(this, props.name, placeholder),
        })
      : new LambdaFunction(this, 'Function', {
          ...common,
          handler: 'index.handler',
          code: placeholder,
        });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The project pins nodejs22.x, the runtime its toolchain and tests target.',
    });
    Validations.of(this.role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Lambda needs the EC2 network-interface actions to join the VPC, and X-Ray needs ' +
        'PutTraceSegments; neither supports resource-level permissions.',
    });

    this.alias = new Alias(this, 'Alias', {
      aliasName: 'live',
      version: this.function.currentVersion,
    });
    this.errorsAlarm = new Alarm(this, 'ErrorsAlarm', {
      alarmDescription: `${props.functionName}: invocations through the live alias failed.`,
      metric: this.alias.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.durationAlarm = new Alarm(this, 'DurationAlarm', {
      alarmDescription: `${props.functionName}: p99 duration above ${props.durationAlarmMs} ms.`,
      metric: this.alias.metricDuration({ period: Duration.minutes(1), statistic: 'p99' }),
      threshold: props.durationAlarmMs,
      // Two minutes in a row, so that one slow cold start does not roll a deployment back.
      evaluationPeriods: 2,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.responses5xxAlarm = this.createResponses5xxAlarm(props);
    if (props.deploymentConfig) this.deploymentGroup = this.createDeployment(props);
  }

  /**
   * Creates the alarm on the function's own 5xx count. The handlers turn errors into 500
   * responses, so Lambda counts no error when every request fails. The function publishes each
   * 5xx it returns with its own `function` dimension, and this alarm reads that count. Like the Lambda metrics of the alias, it covers both versions
   * during a canary. The task worker returns no HTTP responses, so its alarm gets no data and
   * never fires.
   */
  private createResponses5xxAlarm(props: HandlerFunctionProps): Alarm {
    const service = props.environment.POWERTOOLS_SERVICE_NAME ?? 'service_undefined';
    return new Alarm(this, 'Responses5xxAlarm', {
      alarmDescription: `${props.functionName}: 3 or more 5xx responses in a minute.`,
      metric: function5xxMetric(service, props.name),
      // Three, so that one dependency blip that ends in a single 503 does not roll back.
      threshold: 3,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  private createRole(logGroup: LogGroup): Role {
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    });
    logGroup.grantWrite(role);
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    );
    return role;
  }

  private createDeployment(props: HandlerFunctionProps): LambdaDeploymentGroup {
    const group = new LambdaDeploymentGroup(this, 'Deployment', {
      alias: this.alias,
      ...(props.application ? { application: props.application } : {}),
      ...(props.deploymentConfig ? { deploymentConfig: props.deploymentConfig } : {}),
      alarms: [this.errorsAlarm, this.durationAlarm, this.responses5xxAlarm],
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    Validations.of(group.role).acknowledge({
      id:
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/' +
        'AWSCodeDeployRoleForLambdaLimited]',
      reason:
        'CodeDeploy documents this managed policy for Lambda deployments: it shifts alias ' +
        'weights, reads alarms and invokes only hooks named CodeDeployHook_*.',
    });
    return group;
  }
}
