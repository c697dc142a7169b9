import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3';
import { AdapterConfigError } from '../errors.js';

/** S3 bucket names: 3 to 63 lower-case letters, digits, dots and hyphens. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Creates the bucket of the file store unless this account owns it already. It serves tests
 * and rehearsals against moto or LocalStack, because deployed stacks create the bucket with CDK.
 *
 * @throws {AdapterConfigError} when the bucket name is invalid.
 * @throws the S3 client's error when the call fails, or another account owns the name.
 */
export async function ensureFileBucket(client: S3Client, bucket: string): Promise<void> {
  if (!BUCKET_NAME.test(bucket)) {
    throw new AdapterConfigError(
      'bucket',
      `expected 3 to 63 of a-z 0-9 . - starting and ending with a letter or digit, received "${bucket}".`,
    );
  }
  const region = await client.config.region();
  // us-east-1 is the default location, and S3 rejects it as an explicit constraint.
  const configuration =
    region === 'us-east-1'
      ? {}
      : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } };
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket, ...configuration }));
  } catch (error) {
    if ((error as Error).name !== 'BucketAlreadyOwnedByYou') throw error;
  }
}

/** Deletes every object of a bucket, then the bucket; for tests. */
export async function deleteFileBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const objects = (listed.Contents ?? []).flatMap((entry) =>
      entry.Key ? [{ Key: entry.Key }] : [],
    );
    if (objects.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}
