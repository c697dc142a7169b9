import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import { AdapterConfigError, requireIntegerInRange } from '../errors.js';

/** Static AWS credentials, or a provider function, as the AWS SDK for JavaScript v3 takes them. */
export type AwsCredentialsInput = NonNullable<SQSClientConfig['credentials']>;

/** Region, endpoint and credentials of an AWS SDK client. */
export interface AwsClientConfig {
  /** AWS region, such as `eu-west-1`. */
  readonly region: string;
  /**
   * Endpoint URL that replaces the service's regional one, such as moto or LocalStack on
   * `http://127.0.0.1:4566`. @default the regional AWS endpoint
   */
  readonly endpoint?: string;
  /**
   * Static credentials, or a function returning fresh ones. @default the AWS SDK's Node
   * credential chain (environment, then the Lambda role), resolved on the first request
   */
  readonly credentials?: AwsCredentialsInput;
  /**
   * Client-side limit of one HTTP request, in ms. The adapters' per-call timeouts are shorter;
   * this one only bounds calls made on the client directly. @default 30000
   */
  readonly requestTimeoutMs?: number;
  /** Time limit of opening a TCP connection, in ms. @default 1000 */
  readonly connectionTimeoutMs?: number;
}

/** Options every AWS SDK client of the adapters shares. */
export interface AwsClientOptions {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials?: AwsCredentialsInput;
  readonly maxAttempts: number;
  readonly requestHandler: { requestTimeout: number; connectionTimeout: number };
}

/**
 * Checks `config` and turns it into AWS SDK client options. The SDK's own retries are off
 * (`maxAttempts: 1`) because the adapters retry behind their circuit breaker, where it is safe.
 *
 * @throws {AdapterConfigError} when the region is empty, the endpoint is not an http(s) URL, or
 *   a timeout is out of range.
 */
export function awsClientOptions(config: AwsClientConfig): AwsClientOptions {
  if (!/^[a-z0-9-]+$/.test(config.region)) {
    throw new AdapterConfigError(
      'region',
      `expected an AWS region such as "eu-west-1", received "${config.region}".`,
    );
  }
  if (config.endpoint !== undefined) checkEndpoint(config.endpoint);
  const requestTimeout = requireIntegerInRange(
    'requestTimeoutMs',
    config.requestTimeoutMs ?? 30_000,
    1,
    600_000,
  );
  const connectionTimeout = requireIntegerInRange(
    'connectionTimeoutMs',
    config.connectionTimeoutMs ?? 1000,
    1,
    60_000,
  );
  return {
    region: config.region,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
    maxAttempts: 1,
    requestHandler: { requestTimeout, connectionTimeout },
  };
}

function checkEndpoint(endpoint: string): void {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new AdapterConfigError('endpoint', `expected an http(s) URL, received "${endpoint}".`);
  }
}
