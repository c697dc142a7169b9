import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Properties of {@link AppSecrets}. */
export interface AppSecretsProps {
  /** Key that encrypts the secrets. */
  readonly encryptionKey: IKey;
  /**
   * Whether to create the cache's AUTH token.
   * @default true
   */
  readonly cacheAuthToken?: boolean;
}

/**
 * Secrets of the cloud path, encrypted with `encryptionKey` and retained when their stack is
 * deleted:
 *
 * - `signingKey`: the Ed25519 private JWK that signs agent tokens. CloudFormation cannot create
 *   a key pair, so it starts as a random placeholder, and the operator stores the edge's key in
 *   it (the README shows the command): cloud and edge must sign with the same key.
 * - `adminToken`: JSON `{"token": ...}`, 48 random letters and digits.
 * - `replicationToken`: the same form, the credential of the `/internal/v1/` endpoints.
 * - `cacheAuthToken`: JSON `{"token": ...}`, 64 random letters and digits, the AUTH token of the
 *   cache. ElastiCache accepts 16-128 printable characters without `/`, `"` or `@`.
 */
export class AppSecrets extends Construct {
  readonly signingKey: Secret;
  readonly adminToken: Secret;
  readonly replicationToken: Secret;
  readonly cacheAuthToken?: Secret;
  private readonly encryptionKey: IKey;

  constructor(scope: Construct, id: string, props: AppSecretsProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.signingKey = this.secret('SigningKey', 'Ed25519 private JWK that signs agent tokens', 32);
    this.acknowledgeNoRotation(
      this.signingKey,
      'The key is shared with the edge, which verifies tokens offline; rotating it means adding ' +
        'a new key id at both ends, which the key provider does not support yet.',
    );
    this.adminToken = this.secret('AdminToken', 'Admin token of the API', 48);
    this.acknowledgeNoRotation(
      this.adminToken,
      'The admin token must equal HAPPY_ADMIN_TOKEN of the edge; an operator rotates both ' +
        'together.',
    );
    this.replicationToken = this.secret('ReplicationToken', 'Token of /internal/v1/ endpoints', 48);
    this.acknowledgeNoRotation(
      this.replicationToken,
      'The edge presents this token when it replicates; an operator rotates both ends together.',
    );
    if (props.cacheAuthToken ?? true) {
      this.cacheAuthToken = this.secret('CacheAuthToken', 'AUTH token of the cache', 64);
      this.acknowledgeNoRotation(
        this.cacheAuthToken,
        'Rotating an ElastiCache AUTH token needs ModifyReplicationGroup with a ROTATE strategy ' +
          'alongside the secret; no rotation function for that exists here yet.',
      );
    }
  }

  private secret(id: string, description: string, length: number): Secret {
    return new Secret(this, id, {
      description,
      encryptionKey: this.encryptionKey,
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'token',
        passwordLength: length,
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  private acknowledgeNoRotation(secret: Secret, reason: string): void {
    Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason });
  }
}
