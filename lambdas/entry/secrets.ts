import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The secrets a node may use. */
export type SecretName = 'signingKey' | 'adminToken' | 'replicationToken' | 'redisAuthToken';

/** Secrets Manager ids (ARNs or names) of the secrets a function has. */
export type SecretArns = Partial<Record<SecretName, string>>;

/**
 * Source of the node's secrets. `signingKey` is the private JWK as JSON text; the others are
 * the token itself.
 */
export interface SecretValues {
  /**
   * Returns a secret's value, or undefined when this node has no such secret.
   *
   * @throws {SecretReadError} when the secret cannot be read or has the wrong form.
   */
  get(name: SecretName): Promise<string | undefined>;
}

/** A secret could not be read from its store, or does not have the expected form. */
export class SecretReadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretReadError';
  }
}

/** Secrets given as values, for a node outside Lambda such as the local stand-in of the cloud. */
export class LiteralSecretValues implements SecretValues {
  constructor(private readonly values: Partial<Record<SecretName, string>>) {}

  async get(name: SecretName): Promise<string | undefined> {
    return this.values[name];
  }
}

/** Options of {@link SecretsManagerValues}. */
export interface SecretsManagerValuesOptions {
  /** Client of Secrets Manager; it opens no connection until the first read. */
  readonly client: SecretsManagerClient;
  /**
   * How long a value is reused before it is read again, in seconds, so a rotated token reaches
   * every instance within this time. @default 300
   */
  readonly maxAgeSeconds?: number;
  /** Called when a read fails and the last value read is returned instead. @default none */
  readonly onStaleValue?: (name: SecretName, error: unknown) => void;
}

/**
 * Secrets read from AWS Secrets Manager through Powertools Parameters, which keeps each value
 * for `maxAgeSeconds`. Token secrets are JSON `{"token": "..."}`, as the CDK stack creates them;
 * the signing key secret is the private JWK itself.
 *
 * When a read fails after an earlier one succeeded, the earlier value is returned and
 * `onStaleValue` is called, so that a Secrets Manager outage does not stop a warm instance.
 */
export class SecretsManagerValues implements SecretValues {
  private readonly provider: SecretsProvider;
  private readonly maxAge: number;
  private readonly lastGood = new Map<SecretName, string>();
  private readonly onStaleValue: (name: SecretName, error: unknown) => void;

  constructor(
    private readonly arns: SecretArns,
    options: SecretsManagerValuesOptions,
  ) {
    this.provider = new SecretsProvider({ awsSdkV3Client: options.client });
    this.maxAge = options.maxAgeSeconds ?? 300;
    this.onStaleValue = options.onStaleValue ?? (() => undefined);
  }

  async get(name: SecretName): Promise<string | undefined> {
    const arn = this.arns[name];
    if (arn === undefined) return undefined;
    try {
      const value = await this.read(name, arn);
      this.lastGood.set(name, value);
      return value;
    } catch (error) {
      const stale = this.lastGood.get(name);
      if (stale === undefined) throw error;
      this.onStaleValue(name, error);
      return stale;
    }
  }

  private async read(name: SecretName, arn: string): Promise<string> {
    let value: unknown;
    try {
      value = await this.provider.get(arn, { maxAge: this.maxAge });
    } catch (error) {
      throw new SecretReadError(`Reading secret ${arn} (${name}) from Secrets Manager failed.`, {
        cause: error,
      });
    }
    if (typeof value !== 'string') {
      throw new SecretReadError(`Secret ${arn} (${name}) has no string value.`);
    }
    return name === 'signingKey' ? value : tokenOf(arn, name, value);
  }
}

/** Returns the `token` field of a token secret. */
function tokenOf(arn: string, name: SecretName, value: string): string {
  let token: unknown;
  try {
    token = (JSON.parse(value) as { token?: unknown }).token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '') {
    throw new SecretReadError(
      `Secret ${arn} (${name}) is not JSON with a non-empty "token" field; store ` +
        '{"token": "<value>"} in it.',
    );
  }
  return token;
}
