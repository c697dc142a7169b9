import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Properties of {@link FilesBucket}. */
export interface FilesBucketProps {
  /** Name of the files bucket; it is fixed so that IAM policies in other stacks can name it. */
  readonly bucketName: string;
  /** Key that encrypts the stored files. */
  readonly encryptionKey: IKey;
  /**
   * Days a replaced or deleted file version is kept before it expires.
   * @default 30
   */
  readonly noncurrentVersionDays?: number;
  /**
   * Days server access logs are kept.
   * @default 90
   */
  readonly accessLogDays?: number;
  /**
   * Days a noncurrent access log version is kept, counted from when it was replaced or expired.
   * @default 7
   */
  readonly accessLogNoncurrentDays?: number;
}

/**
 * The bucket of agents' files: private (public access blocked, ACLs off), encrypted with
 * `encryptionKey`, versioned so an overwrite or delete can be undone, reachable only over TLS,
 * with server access logs in a second, also versioned, bucket. Both buckets are retained when
 * their stack is deleted.
 */
export class FilesBucket extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: FilesBucketProps) {
    super(scope, id);
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      // S3 delivers server access logs only to buckets encrypted with S3-managed keys.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [
        { expiration: Duration.days(props.accessLogDays ?? 90) },
        // In a versioned bucket, expiring a log only adds a delete marker. This rule removes
        // the old version later, then the marker. S3 rejects expiredObjectDeleteMarker next to
        // an expiration in days, so it is a rule of its own.
        {
          noncurrentVersionExpiration: Duration.days(props.accessLogNoncurrentDays ?? 7),
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket receives the files bucket access logs; logging it too would loop.',
    });

    this.bucket = new Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'files/',
      lifecycleRules: [
        {
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays ?? 30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
