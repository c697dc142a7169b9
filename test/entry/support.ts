import { randomBytes, randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { exportJWK, generateKeyPair } from 'jose';
import {
  createOpenSearchClient,
  deleteFileBucket,
  deleteIndices,
  ensureFileBucket,
} from '../../lambdas/adapters/index.js';
import {
  createTaskQueues,
  deleteTaskQueues,
  type TaskQueueUrls,
} from '../../lambdas/adapters/sqs/index.js';
import {
  allFunctionNames,
  environmentOf,
  indexPrefix,
  type EntryEnvironmentValues,
} from '../../lib/lambda-entries.js';
import {
  motoClientConfig,
  motoS3Client,
  motoSqsClient,
  MOTO_SCRIPT,
} from '../adapters/sqs-s3/support.js';
import { OPENSEARCH, REDIS, urlOf } from '../adapters/support/services.js';

/**
 * Engines and AWS resources for invoking the entry points in this process: OpenSearch and Redis
 * from scripts/services, and on moto the secrets, the task queue and the files bucket. Each run
 * uses a stage of its own, so its indices, keys, queue and bucket are its own.
 */

/** Variables the entry tests need, with the script that provides each. */
const NEEDED = [
  { variable: OPENSEARCH.variable, script: OPENSEARCH.script },
  { variable: REDIS.variable, script: REDIS.script },
  { variable: 'MOTO_URL', script: MOTO_SCRIPT },
];

/** True when an engine is missing, for `describe.skipIf`. */
export function enginesMissing(): boolean {
  return NEEDED.some(({ variable }) => !process.env[variable]);
}

/** Names a suite, adding the missing variables and their start commands when it is skipped. */
export function enginesSuiteTitle(name: string): string {
  const missing = NEEDED.filter(({ variable }) => !process.env[variable]);
  if (missing.length === 0) return name;
  const needs = missing.map(({ variable, script }) => `${variable} (start: ${script} start)`);
  return `${name} needs ${needs.join(' and ')}`;
}

/** The resources of one run and the environment that names them. */
export interface CloudFixture {
  readonly stage: string;
  /** Every variable any function gets, merged, plus the AWS settings for moto. */
  readonly env: Record<string, string>;
  readonly adminToken: string;
  readonly replicationToken: string;
  readonly queueUrl: string;
  readonly bucket: string;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly secrets: SecretsManagerClient;
  /** ARN of a secret created by {@link createSecret}, deleted by {@link dispose}. */
  createSecret(value: string): Promise<string>;
  dispose(): Promise<void>;
}

/** Settings that keep the AWS SDK on moto with dummy credentials, never a metadata address. */
export function motoEnvironment(motoUrl: string): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: motoUrl,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** Creates the secrets, queue and bucket of a new stage on moto. */
export async function createCloudFixture(): Promise<CloudFixture> {
  const motoUrl = process.env.MOTO_URL as string;
  const stage = `e${randomBytes(5).toString('hex')}`;
  const sqs = motoSqsClient();
  const s3 = motoS3Client();
  const secrets = new SecretsManagerClient({ ...motoClientConfig(motoUrl) });
  const arns: string[] = [];
  const createSecret = async (value: string) => {
    const output = await secrets.send(
      new CreateSecretCommand({ Name: `${stage}-${randomUUID()}`, SecretString: value }),
    );
    arns.push(output.ARN as string);
    return output.ARN as string;
  };

  const adminToken = randomBytes(24).toString('hex');
  const replicationToken = randomBytes(24).toString('hex');
  const urls: TaskQueueUrls = await createTaskQueues(sqs, { queueName: `${stage}-tasks` });
  const bucket = `${stage}-files`;
  await ensureFileBucket(s3, bucket);
  const values: EntryEnvironmentValues = {
    stage,
    apiEventFormat: '2.0',
    openSearchEndpoint: urlOf(OPENSEARCH) as string,
    cache: { endpoint: '127.0.0.1', port: redisPort(), authSecretArn: 'unused' },
    signingKeySecretArn: await createSecret(await signingKeyJson()),
    adminTokenSecretArn: await createSecret(JSON.stringify({ token: adminToken })),
    replicationTokenSecretArn: await createSecret(JSON.stringify({ token: replicationToken })),
    taskQueueUrl: urls.queueUrl,
    filesBucket: bucket,
  };
  const env = mergedEnvironment(values, motoUrl);

  return {
    stage,
    env,
    adminToken,
    replicationToken,
    queueUrl: urls.queueUrl,
    bucket,
    sqs,
    s3,
    secrets,
    createSecret,
    dispose: async () => {
      const search = createOpenSearchClient({ node: urlOf(OPENSEARCH) as string });
      await deleteIndices(search, indexPrefix(stage));
      await search.close();
      await deleteTaskQueues(sqs, urls);
      await deleteFileBucket(s3, bucket);
      for (const arn of arns) {
        await secrets.send(
          new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }),
        );
      }
      sqs.destroy();
      s3.destroy();
      secrets.destroy();
    },
  };
}

/**
 * Merges the variables the CDK app gives every function. The local Redis has no AUTH, so the
 * AUTH secret is left out, which the entry points allow for a loopback Redis.
 */
function mergedEnvironment(
  values: EntryEnvironmentValues,
  motoUrl: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of allFunctionNames()) Object.assign(env, environmentOf(name, values));
  delete env.REDIS_AUTH_SECRET_ARN;
  // Source maps matter in Lambda only; the test process has its own NODE_OPTIONS.
  delete env.NODE_OPTIONS;
  return { ...env, ...motoEnvironment(motoUrl), LOG_LEVEL: 'WARN' };
}

function redisPort(): string {
  return new URL(urlOf(REDIS) as string).port;
}

/** Returns a new Ed25519 private JWK with a key id, as the edge writes its key file. */
export async function signingKeyJson(): Promise<string> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return JSON.stringify({
    ...(await exportJWK(privateKey)),
    kid: randomUUID(),
    alg: 'EdDSA',
    use: 'sig',
  });
}

/** Runs `fn` with `vars` set in `process.env`, then puts the previous values back. */
export async function withEnvironment<T>(
  vars: Record<string, string | undefined>,
  fn: () => Promise<T>,
): Promise<T> {
  const previous = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  assign(vars);
  try {
    return await fn();
  } finally {
    assign(previous);
  }
}

function assign(vars: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}
