import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientOptions, type AwsClientConfig } from './aws-config.js';

/**
 * Creates an SQS client. It opens no connection and resolves no credentials until the first
 * request, so a Lambda function can create it once outside the handler and reuse it across
 * invocations. The client never retries by itself: `SqsTaskQueue` retries where it is safe.
 *
 * @throws {AdapterConfigError} when the region, endpoint or a timeout is invalid.
 */
export function createSqsClient(config: AwsClientConfig): SQSClient {
  return new SQSClient(awsClientOptions(config));
}
