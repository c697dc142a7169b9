import { S3Client } from '@aws-sdk/client-s3';
import { awsClientOptions, type AwsClientConfig } from '../sqs/aws-config.js';

/** Endpoint, region and credentials of S3. */
export interface S3ClientConfig extends AwsClientConfig {
  /**
   * Addresses buckets as a path (`<endpoint>/<bucket>/<key>`) instead of a host name, which
   * moto and LocalStack need. @default true when `endpoint` is set, false otherwise
   */
  readonly forcePathStyle?: boolean;
}

/**
 * Creates an S3 client. It opens no connection and resolves no credentials until the first
 * request, so a Lambda function can create it once outside the handler and reuse it across
 * invocations. The client never retries by itself, and computes checksums only where S3
 * requires them: `S3FileStore` sends a SHA-256 checksum with every write and checks reads itself.
 *
 * @throws {AdapterConfigError} when the region, endpoint or a timeout is invalid.
 */
export function createS3Client(config: S3ClientConfig): S3Client {
  return new S3Client({
    ...awsClientOptions(config),
    forcePathStyle: config.forcePathStyle ?? config.endpoint !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
