import { afterAll, beforeAll, describe } from 'vitest';
import {
  deleteFileBucket,
  ensureFileBucket,
  S3FileStore,
} from '../../lambdas/adapters/s3/index.js';
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
