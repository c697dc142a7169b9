import { Client, type ClientOptions } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import { AdapterConfigError, requireIntegerInRange } from '../errors.js';

/** AWS credentials for request signing. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** When the credentials stop working; the signer fetches new ones before then. */
  readonly expiration?: Date;
}

/** Endpoint of OpenSearch and the signing of requests to it. */
export interface OpenSearchClientConfig {
  /** Endpoint URL, such as `https://search-happy-xyz.eu-west-1.es.amazonaws.com`. */
  readonly node: string;
  /**
   * AWS region. When set, every request is signed with SigV4; when absent, requests go unsigned
   * (a local engine without the security plugin). @default unsigned
   */
  readonly region?: string;
  /**
   * `es` for an OpenSearch Service domain, `aoss` for OpenSearch Serverless. @default 'es'
   *
   * NOTE: with `aoss` only the request signing is tested. Whether a Serverless collection
   * honours `refresh=wait_for`, real-time GETs and `if_seq_no`, which the adapters rely on, is
   * not verified here.
   */
  readonly service?: 'es' | 'aoss';
  /**
   * Static credentials, or a function returning fresh ones. @default the AWS SDK's Node
   * credential chain (environment, then the Lambda role), loaded only when a request is signed.
   */
  readonly credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /**
   * Client-side limit of one HTTP request, in ms. The adapters' per-call timeouts are shorter;
   * this one only bounds calls made on the client directly. @default 10000
   */
  readonly requestTimeoutMs?: number;
}

/**
 * Creates an OpenSearch client. It opens no connection until the first request, so a Lambda
 * function can create it once outside the handler and reuse it across invocations. The client
 * never retries by itself (`maxRetries: 0`): the adapters retry where it is safe.
 *
 * @throws {AdapterConfigError} when `node` is not an http(s) URL, `service` is unknown, `aoss`
 *   is chosen without a region, or `requestTimeoutMs` is out of range.
 */
export function createOpenSearchClient(config: OpenSearchClientConfig): Client {
  checkConfig(config);
  const options: ClientOptions = {
    node: config.node,
    maxRetries: 0,
    requestTimeout: config.requestTimeoutMs ?? 10_000,
  };
  if (config.region === undefined) return new Client(options);

  return new Client({
    ...options,
    ...AwsSigv4Signer({
      region: config.region,
      service: config.service ?? 'es',
      getCredentials: credentialSource(config.credentials),
    }),
  });
}

function checkConfig(config: OpenSearchClientConfig): void {
  let url: URL;
  try {
    url = new URL(config.node);
  } catch {
    throw new AdapterConfigError('node', `expected an http(s) URL, received "${config.node}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AdapterConfigError('node', `expected an http(s) URL, received "${config.node}".`);
  }
  if (config.service !== undefined && config.service !== 'es' && config.service !== 'aoss') {
    throw new AdapterConfigError(
      'service',
      `expected "es" or "aoss", received "${config.service}".`,
    );
  }
  if (config.service !== undefined && config.region === undefined) {
    throw new AdapterConfigError('region', `is required to sign requests for "${config.service}".`);
  }
  if (config.requestTimeoutMs !== undefined) {
    requireIntegerInRange('requestTimeoutMs', config.requestTimeoutMs, 1, 600_000);
  }
}

function credentialSource(
  credentials: OpenSearchClientConfig['credentials'],
): () => Promise<AwsCredentials> {
  if (typeof credentials === 'function') return credentials;
  if (credentials !== undefined) return async () => credentials;

  let provider: (() => Promise<AwsCredentials>) | undefined;
  return async () => {
    // Loaded on first use, so unsigned clients and tests never touch the credential chain.
    if (!provider) {
      const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
      provider = defaultProvider();
    }
    return provider();
  };
}
