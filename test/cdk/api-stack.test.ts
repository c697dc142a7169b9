import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ROUTES, routeKeyOf } from '../../lambdas/handlers/routes.js';
import {
  accessOf,
  allFunctionNames,
  APP_METRICS,
  APP_METRICS_NAMESPACE,
  FUNCTION_METRIC_DIMENSION,
  type FunctionName,
} from '../../lib/lambda-entries.js';
import {
  actionsOf,
  statementsOfRole,
  SYNTH_TIMEOUT_MS,
  synthHappyOs,
  type PolicyStatementJson,
  type Synthesized,
} from './support.js';

/** Actions whose AWS APIs support no resource-level permissions, so `*` is their only resource. */
const RESOURCELESS_ACTIONS = new Set([
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
]);

function functionOf(synth: Synthesized, name: FunctionName) {
  const api = synth.stacks.api;
  const handler = api.functions[name];
  const resource = synth.template(api).findResources('AWS::Lambda::Function', {
    Properties: { FunctionName: `happy-os-dev-${name}` },
  });
  const roleId = api.getLogicalId(handler.role.node.defaultChild as never);
  return { properties: Object.values(resource)[0]?.Properties, roleId };
}

describe('ApiStack', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('runs each function on nodejs22.x arm64 in the VPC', () => {
    const synth = synthHappyOs();

    for (const name of allFunctionNames()) {
      const { properties } = functionOf(synth, name);
      expect(properties, name).toBeDefined();
      expect(properties.Runtime, name).toBe('nodejs22.x');
      expect(properties.Architectures, name).toEqual(['arm64']);
      expect(properties.VpcConfig.SubnetIds, name).toHaveLength(3);
      expect(properties.TracingConfig, name).toEqual({ Mode: 'Active' });
      expect(properties.Environment.Variables.NODE_OPTIONS, name).toBe('--enable-source-maps');
    }
  });

  it('creates the routes of the route table with identical keys', () => {
    const { stacks, template } = synthHappyOs();
    const api = template(stacks.api);

    const routes = Object.values(api.findResources('AWS::ApiGatewayV2::Route'));
    const keys = routes.map((route) => route.Properties.RouteKey as string);
    expect(keys.sort()).toEqual(ROUTES.map(routeKeyOf).sort());
    api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('requestId'),
      },
    });
  });

  it('feeds the task worker from the queue with partial batch failures', () => {
    const { stacks, template } = synthHappyOs();

    template(stacks.api).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
    const mapping = Object.values(
      template(stacks.api).findResources('AWS::Lambda::EventSourceMapping'),
    );
    expect(JSON.stringify(mapping[0]?.Properties.FunctionName)).toMatch(/TaskWorkerAlias.*:live/);
  });

  it('gives each function only the environment its access lists', () => {
    const synth = synthHappyOs();

    for (const name of allFunctionNames()) {
      const access = accessOf(name);
      const env = functionOf(synth, name).properties.Environment.Variables;
      expect('SIGNING_KEY_SECRET_ARN' in env, name).toBe(access.signingKey);
      expect('ADMIN_TOKEN_SECRET_ARN' in env, name).toBe(access.adminToken);
      expect('TASK_QUEUE_URL' in env, name).toBe(access.sendTasks || access.probeQueueAndBucket);
      expect('FILES_BUCKET' in env, name).toBe(access.files || access.probeQueueAndBucket);
      expect(env.REDIS_PORT, name).toBe('6380');
      expect(env.OPENSEARCH_INDEX_PREFIX, name).toBe('happy-dev');
    }
  });

  it('scopes IAM to each function resources', () => {
    const synth = synthHappyOs();
    const api = synth.template(synth.stacks.api);

    for (const name of allFunctionNames()) {
      const access = accessOf(name);
      const statements = statementsOfRole(api, functionOf(synth, name).roleId);
      const actions = statements.flatMap(actionsOf);
      for (const statement of statements.filter((s) => s.Resource === '*')) {
        for (const action of actionsOf(statement)) {
          expect(RESOURCELESS_ACTIONS.has(action), `${name}: ${action} on *`).toBe(true);
        }
      }
      expect(actions.includes('sqs:SendMessage'), name).toBe(access.sendTasks);
      expect(actions.includes('s3:PutObject'), name).toBe(access.files);
      expect(
        actions.some((action) => action.endsWith('*')),
        name,
      ).toBe(false);
    }
    const health = statementsOfRole(api, functionOf(synth, 'health').roleId);
    const searchResources = JSON.stringify(
      health.filter((s) => actionsOf(s).includes('es:ESHttpPut')).map((s) => s.Resource),
    );
    expect(searchResources).toContain('/happy-dev-health*');
    expect(searchResources).not.toContain('/happy-dev-*"');
  });

  it('limits health to read-only probes', () => {
    const synth = synthHappyOs();
    const api = synth.template(synth.stacks.api);
    const health = statementsOfRole(api, functionOf(synth, 'health').roleId);
    const env = functionOf(synth, 'health').properties.Environment.Variables;

    const queueAndBucket = health.flatMap(actionsOf).filter((action) => /^(sqs|s3):/.test(action));
    expect(queueAndBucket.sort()).toEqual(['s3:ListBucket', 'sqs:GetQueueAttributes']);
    const queue = health.find((s) => actionsOf(s).includes('sqs:GetQueueAttributes'));
    expect(JSON.stringify(queue?.Resource)).toMatch(/TasksQueue[0-9A-F]+Arn/);
    const bucket = health.find((s) => actionsOf(s).includes('s3:ListBucket'));
    expect(JSON.stringify(bucket?.Resource)).toContain('arn:aws:s3:::happy-os-dev-files-');
    // The bucket ARN alone: no object in it is readable.
    expect(JSON.stringify(bucket?.Resource)).not.toContain('/');
    const keyServices = health
      .filter((s) => actionsOf(s).some((action) => action.startsWith('kms:')))
      .map((s) => JSON.stringify(s.Condition));
    expect(keyServices).toEqual([expect.stringContaining('secretsmanager.')]);
    expect(env.TASK_QUEUE_URL).toBeDefined();
    expect(env.FILES_BUCKET).toBeDefined();
    // Only the health indices, and no multi-document call that could name any other index.
    const searchResources = JSON.stringify(
      health.filter((s) => actionsOf(s).some((action) => action.startsWith('es:'))),
    );
    expect(searchResources).toContain('/happy-dev-health*');
    expect(searchResources).not.toMatch(/_bulk|_mget|happy-dev-\*/);
  });

  it('grants each KMS action once, through named services only', () => {
    const synth = synthHappyOs();
    const api = synth.template(synth.stacks.api);

    for (const name of allFunctionNames()) {
      const statements = statementsOfRole(api, functionOf(synth, name).roleId).filter((s) =>
        actionsOf(s).some((action) => action.startsWith('kms:')),
      );
      const actions = statements.flatMap(actionsOf);
      expect(actions, name).toEqual([...new Set(actions)]);
      for (const statement of statements) {
        expect(JSON.stringify(statement.Condition), name).toContain('kms:ViaService');
      }
    }
  });

  it('lets the task worker consume the queue through SQS only', () => {
    const synth = synthHappyOs();
    const api = synth.template(synth.stacks.api);
    const statements = statementsOfRole(api, functionOf(synth, 'task-worker').roleId);

    const decrypt = statements.filter((s) => actionsOf(s).includes('kms:Decrypt'));
    expect(decrypt).toHaveLength(1);
    expect(JSON.stringify(decrypt[0]?.Condition)).toContain('sqs.eu-west-1.amazonaws.com');
    const queue = statements.filter((s) => actionsOf(s).includes('sqs:ReceiveMessage'));
    expect(queue).toHaveLength(1);
    expect(actionsOf(queue[0] as PolicyStatementJson)).toEqual(
      expect.arrayContaining(['sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']),
    );
  });

  it('encrypts the function and access log groups with the logs key', () => {
    const { stacks, template } = synthHappyOs();
    const groups = Object.entries(template(stacks.api).findResources('AWS::Logs::LogGroup'));

    expect(groups.length).toBe(allFunctionNames().length + 1);
    for (const [id, group] of groups) {
      expect(JSON.stringify(group.Properties.KmsKeyId), id).toContain('LogsKey');
    }
  });

  it('lets replication write files and send tasks', () => {
    const synth = synthHappyOs();
    const api = synth.template(synth.stacks.api);
    const actions = statementsOfRole(api, functionOf(synth, 'replication').roleId).flatMap(
      actionsOf,
    );

    for (const action of ['sqs:SendMessage', 's3:GetObject', 's3:PutObject', 's3:DeleteObject']) {
      expect(actions, action).toContain(action);
    }
  });

  it('deploys every alias as a canary that rolls back on its alarms', () => {
    const { stacks, template } = synthHappyOs();
    const api = template(stacks.api);

    const groups = Object.values(api.findResources('AWS::CodeDeploy::DeploymentGroup'));
    expect(groups).toHaveLength(allFunctionNames().length);
    for (const group of groups) {
      expect(group.Properties.DeploymentConfigName).toBe(
        'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      );
      expect(group.Properties.AlarmConfiguration.Enabled).toBe(true);
      expect(group.Properties.AlarmConfiguration.Alarms).toHaveLength(3);
      expect(group.Properties.AutoRollbackConfiguration.Events).toEqual(
        expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']),
      );
    }
    api.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Duration',
      ExtendedStatistic: 'p99',
      Threshold: 3000,
      Dimensions: Match.arrayWith([{ Name: 'Resource', Value: Match.anyValue() }]),
    });
    api.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Threshold: 1 });
  });

  it('rolls each function back on its own 5xx responses', () => {
    const synth = synthHappyOs();
    const api = synth.template(synth.stacks.api);

    for (const name of allFunctionNames()) {
      const handler = synth.stacks.api.functions[name];
      const alarmId = synth.stacks.api.getLogicalId(
        handler.responses5xxAlarm.node.defaultChild as never,
      );
      const groupId = synth.stacks.api.getLogicalId(
        handler.deploymentGroup?.node.defaultChild as never,
      );
      const group = api.findResources('AWS::CodeDeploy::DeploymentGroup')[groupId];

      expect(api.findResources('AWS::CloudWatch::Alarm')[alarmId]?.Properties).toMatchObject({
        Namespace: APP_METRICS_NAMESPACE,
        MetricName: APP_METRICS.responses5xx,
        Dimensions: expect.arrayContaining([
          { Name: 'service', Value: 'happy-os-dev' },
          { Name: FUNCTION_METRIC_DIMENSION, Value: name },
        ]),
        Statistic: 'Sum',
        Period: 60,
        Threshold: 3,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      expect(group?.Properties.AlarmConfiguration.Alarms, name).toContainEqual({
        Name: { Ref: alarmId },
      });
    }
  });
});
