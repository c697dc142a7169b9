import { CreateFunctionCommand, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { CreateReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import { CreateDomainCommand } from '@aws-sdk/client-opensearch';
import {
  createAwsClients,
  stageFunctionNames,
  type AwsClients,
  type AwsSettings,
} from '../../drill/aws-faults.js';

/**
 * moto, which scripts/services/moto.sh starts on loopback. The suites run when MOTO_URL is set
 * and are reported as skipped otherwise, with the start command in their title.
 */
export const MOTO_SCRIPT = 'scripts/services/moto.sh';

/** Returns moto's URL, or undefined when MOTO_URL is not set. */
export function motoUrl(): string | undefined {
  return process.env.MOTO_URL || undefined;
}

/** Names a suite, adding the missing variable and the start command when it will be skipped. */
export function motoSuiteTitle(name: string): string {
  return motoUrl() ? name : `${name} needs MOTO_URL (start: ${MOTO_SCRIPT} start)`;
}

/** Static dummy credentials, so the SDK never reads the default chain or a metadata address. */
export const MOTO_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Settings of the AWS clients for moto. */
export function motoSettings(): AwsSettings {
  return {
    region: 'us-east-1',
    endpoint: motoUrl() ?? 'http://127.0.0.1:9',
    credentials: MOTO_CREDENTIALS,
  };
}

/** Creates an IAM role with a raw query request, because the IAM client is not a dependency. */
async function createRole(name: string): Promise<string> {
  const body = new URLSearchParams({
    Action: 'CreateRole',
    Version: '2010-05-08',
    RoleName: name,
    AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
  });
  // moto routes by the service in the credential scope and does not check the signature.
  const authorization =
    'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0';
  const response = await fetch(`${motoUrl()}/`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const text = await response.text();
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1];
  if (!arn)
    throw new Error(`CreateRole on moto returned ${response.status}: ${text.slice(0, 200)}`);
  return arn;
}

// The smallest valid zip archive: an end-of-central-directory record. moto stores it unrun.
const EMPTY_ZIP = Buffer.from('UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==', 'base64');

/**
 * Creates what a stage deploys and the drill changes: every Lambda function (the first with
 * reserved concurrency `firstReserved`), the cache's replication group and the search domain.
 */
export async function createStage(stage: string, firstReserved: number): Promise<AwsClients> {
  const clients = createAwsClients(motoSettings());
  const role = await createRole(`happy-drill-${stage}`);
  for (const name of stageFunctionNames(stage)) {
    await clients.lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Role: role,
        Handler: 'index.handler',
        Code: { ZipFile: EMPTY_ZIP },
      }),
    );
  }
  const [first] = stageFunctionNames(stage);
  await clients.lambda.send(
    new PutFunctionConcurrencyCommand({
      FunctionName: first,
      ReservedConcurrentExecutions: firstReserved,
    }),
  );
  await clients.elasticache.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: `happy-os-${stage}`,
      ReplicationGroupDescription: 'drill test',
      Engine: 'redis',
      CacheNodeType: 'cache.t3.micro',
      NumNodeGroups: 1,
      ReplicasPerNodeGroup: 1,
    }),
  );
  await clients.opensearch.send(
    new CreateDomainCommand({ DomainName: `happy-os-${stage}`, EngineVersion: 'OpenSearch_2.19' }),
  );
  return clients;
}
