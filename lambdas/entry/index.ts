export {
  createApiEntry,
  type ApiEntryHandler,
  type ApiEntryOptions,
  type HandlerFactory,
} from './api-entry.js';
export {
  isHttpEvent,
  toHttpEvent,
  toRestResult,
  type ApiEvent,
  type ApiResult,
} from './api-event.js';
export { createAwsParts, type AwsParts, type AwsPartsFactory } from './cloud-aws.js';
export {
  composeCloudNode,
  type CloudNode,
  type CloudNodeConfig,
  type CloudNodeDeps,
} from './cloud-node.js';
export type { CloudTasks, CloudTaskSettings } from './cloud-tasks.js';
export {
  CloudEnvironmentError,
  isLoopbackHost,
  parseCloudEnvironment,
  type CloudEnvironment,
  type FunctionNeeds,
} from './environment.js';
export { FUNCTION_NEEDS, type EntryName } from './functions.js';
export { IDEMPOTENT_ROUTES, withIdempotentWrites } from './idempotent-writes.js';
export {
  LiteralSecretValues,
  SecretReadError,
  SecretsManagerValues,
  type SecretArns,
  type SecretName,
  type SecretValues,
} from './secrets.js';
export { SecretSigningKeyProvider } from './signing-keys.js';
export { BREAKER_OPEN_METRIC } from './runtime.js';
export {
  createWorkerEntry,
  TaskMessageKeptError,
  type WorkerEntryOptions,
} from './worker-entry.js';
