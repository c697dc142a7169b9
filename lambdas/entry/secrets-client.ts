import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsClientOptions, type AwsClientConfig } from '../adapters/sqs/aws-config.js';

/**
 * Creates the Secrets Manager client with the adapters' timeouts. The SDK makes up to three
 * attempts, because no guard retries a secret read. Nothing connects until the first read.
 *
 * @throws {AdapterConfigError} when the region or endpoint is invalid.
 */
export function createSecretsClient(aws: AwsClientConfig): SecretsManagerClient {
  return new SecretsManagerClient({ ...awsClientOptions(aws), maxAttempts: 3 });
}
