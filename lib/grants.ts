import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { SEARCH_DATA_ACTIONS, searchIndexResources } from './constructs/search-domain.js';
import type { DataStack } from './data-stack.js';
import { accessOf, indexPrefix, type FunctionAccess, type FunctionName } from './lambda-entries.js';
import { acknowledgeResourceFinding } from './nag.js';

/**
 * Grants one function exactly the resources {@link accessOf} lists for it. Statements name the
 * single actions each call needs rather than the wildcard sets of the `grant*` helpers, so the
 * only wildcards left are in resource paths: index names under the stage prefix and object keys
 * in the files bucket. Each of those is acknowledged on the function's policy with its reason.
 */
export function grantFunctionAccess(role: Role, name: FunctionName, data: DataStack): void {
  const access = accessOf(name);
  const prefix = indexPrefix(data.stage);
  const pattern = access.search === 'health-index' ? `${prefix}-health*` : `${prefix}-*`;
  // ARNs built from the fixed names, not imported from the data stack, so that the policy and
  // the acknowledged findings name the same strings.
  const domainArn = Stack.of(role).formatArn({
    service: 'es',
    resource: 'domain',
    resourceName: data.domainName,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  const healthOnly = access.search === 'health-index';
  const searchResources = searchIndexResources(domainArn, pattern, !healthOnly);
  role.addToPrincipalPolicy(
    new PolicyStatement({ actions: SEARCH_DATA_ACTIONS, resources: searchResources }),
  );
  const secrets = [
    access.signingKey ? data.secrets.signingKey : undefined,
    access.adminToken ? data.secrets.adminToken : undefined,
    access.replicationToken ? data.secrets.replicationToken : undefined,
    data.secrets.cacheAuthToken,
  ].filter((secret) => secret !== undefined);
  if (secrets.length > 0) grantSecrets(role, data, secrets);
  if (access.sendTasks || access.consumeTasks) grantTasks(role, data, access);
  const objectsArn = `arn:${Stack.of(role).partition}:s3:::${data.filesBucketName}/*`;
  if (access.files) grantFiles(role, data, objectsArn);
  if (access.probeQueueAndBucket) grantProbes(role, data);
  grantKeyUse(role, data, access, secrets.length > 0);

  const policy = role.node.findChild('DefaultPolicy');
  const reason =
    `${name} reads and writes only indices, aliases and templates named ${pattern}; the ` +
    'adapters create them at run time, so their full names are not known here.';
  for (const resource of searchResources.filter((arn) => arn.includes('*'))) {
    acknowledgeResourceFinding(policy, 'AwsSolutions-IAM5', resource, reason);
  }
  if (access.files) {
    const filesReason = `${name} stores agents' files as objects whose keys the agents choose.`;
    acknowledgeResourceFinding(policy, 'AwsSolutions-IAM5', objectsArn, filesReason);
  }
}

/** Queue actions the task queue's event source mapping calls with the worker's role. */
const CONSUME_TASK_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
];

/** Allows sending and, for the worker, consuming task messages. */
function grantTasks(role: Role, data: DataStack, access: FunctionAccess): void {
  const actions = [
    ...(access.sendTasks ? ['sqs:SendMessage'] : []),
    ...(access.consumeTasks ? CONSUME_TASK_ACTIONS : []),
  ];
  role.addToPrincipalPolicy(
    new PolicyStatement({ actions, resources: [data.tasks.queue.queueArn] }),
  );
}

/**
 * Allows the health checks of the queue and the bucket: `GetQueueAttributes` and `HeadBucket`,
 * which IAM authorizes as `s3:ListBucket`. Neither reads an encrypted message or object, so no
 * KMS action is needed.
 */
function grantProbes(role: Role, data: DataStack): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['sqs:GetQueueAttributes'],
      resources: [data.tasks.queue.queueArn],
    }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [`arn:${Stack.of(role).partition}:s3:::${data.filesBucketName}`],
    }),
  );
}

function grantFiles(role: Role, data: DataStack, objectsArn: string): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resources: [objectsArn],
    }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [`arn:${Stack.of(role).partition}:s3:::${data.filesBucketName}`],
    }),
  );
}

function grantSecrets(role: Role, data: DataStack, secrets: ISecret[]): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resources: secrets.map((secret) => secret.secretArn),
    }),
  );
}

/**
 * Grants the data key to the services that read or write the function's secrets, task messages
 * and files. Each KMS action gets one statement that lists its services in `kms:ViaService`, so
 * no action is granted twice. Reading needs `kms:Decrypt`, and writing an SQS message or an S3
 * object needs `kms:GenerateDataKey` too.
 */
function grantKeyUse(role: Role, data: DataStack, access: FunctionAccess, secrets: boolean): void {
  const tasks = access.sendTasks || access.consumeTasks;
  const readers = [secrets && 'secretsmanager', tasks && 'sqs', access.files && 's3'];
  const writers = [access.sendTasks && 'sqs', access.files && 's3'];
  allowKey(role, data, 'kms:Decrypt', readers);
  allowKey(role, data, 'kms:GenerateDataKey', writers);
}

// The key's grant helpers would name the role in the key policy, which lives in the data stack
// and so would make that stack depend on this one. The key policy trusts the account's IAM
// policies, so a statement on the role is enough; kms:ViaService limits it to the services.
function allowKey(role: Role, data: DataStack, action: string, services: (string | false)[]): void {
  const region = Stack.of(role).region;
  const endpoints = services
    .filter((service) => service !== false)
    .map((service) => `${service}.${region}.amazonaws.com`);
  if (endpoints.length === 0) return;

  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: [action],
      resources: [data.dataKey.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': endpoints.length === 1 ? endpoints[0] : endpoints },
      },
    }),
  );
}
