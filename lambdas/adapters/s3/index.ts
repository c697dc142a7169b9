export { createS3Client, type S3ClientConfig } from './client.js';
export { deleteFileBucket, ensureFileBucket } from './buckets.js';
export { S3FileStore, type S3FileStoreOptions } from './file-store.js';
export { S3FileIntegrityError } from './object-format.js';
export { decodeName, encodeName } from './keys.js';
export { S3HealthProbe, type S3HealthProbeOptions } from './health-probe.js';
