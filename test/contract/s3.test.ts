import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCircuitBreaker } from '../../lambdas/adapters/resilience/index.js';
import {
  deleteFileBucket,
  ensureFileBucket,
  S3FileStore,
  S3HealthProbe,
} from '../../lambdas/adapters/s3/index.js';
import { isAwsFailure } from '../../lambdas/adapters/sqs/index.js';
import { uniqueName } from '../adapters/support/services.js';
import { motoS3Client, motoSuiteTitle, motoUrl } from '../adapters/sqs-s3/support.js';
import { describeFileStoreContract } from './file-store.contract.js';

// One bucket on moto for the run; each test gets an empty store under a key prefix of its own.

describe.skipIf(!motoUrl())(motoSuiteTitle('S3 file store on moto'), () => {
  const client = motoUrl() ? motoS3Client() : undefined;
  const bucket = uniqueName('files');

  beforeAll(() => ensureFileBucket(client!, bucket));
  afterAll(async () => {
    await deleteFileBucket(client!, bucket);
    client!.destroy();
  });

  describeFileStoreContract('S3', async () => ({
    store: new S3FileStore({ client: client!, bucket, keyPrefix: `${uniqueName('store')}/` }),
    dispose: async () => undefined,
  }));
});

describe.skipIf(!motoUrl())(motoSuiteTitle('S3 health probe on moto'), () => {
  const client = motoUrl() ? motoS3Client() : undefined;
  const bucket = uniqueName('probe');

  beforeAll(() => ensureFileBucket(client!, bucket));
  afterAll(async () => {
    await deleteFileBucket(client!, bucket);
    client!.destroy();
  });

  const probeOf = (name: string, failureThreshold = 5, s3 = client!) =>
    new S3HealthProbe({
      client: s3,
      bucket: name,
      breaker: new LocalCircuitBreaker('s3', { isFailure: isAwsFailure, failureThreshold }),
    });

  it('passes on an existing bucket', async () => {
    const result = await probeOf(bucket).check();
    expect(result.status).toBe('pass');
    expect(result.name).toBe('s3');
  });

  it('warns, not fails, when the bucket is missing', async () => {
    const result = await probeOf(uniqueName('missing')).check();
    expect(result.status).toBe('warn');
    expect(result.detail).toContain('NotFound');
  });

  it('reports an open breaker', async () => {
    // Port 9 (discard) refuses connections on loopback, which counts as a failure.
    const refused = motoS3Client('http://127.0.0.1:9');
    const probe = probeOf(bucket, 1, refused);
    try {
      await probe.check();
      const result = await probe.check();
      expect(result.status).toBe('warn');
      expect(result.detail).toContain('circuit breaker open');
    } finally {
      refused.destroy();
    }
  });
});
