export type { AwsClientConfig, AwsCredentialsInput } from './aws-config.js';
export { isAwsFailure } from './aws-failures.js';
export { createSqsClient } from './client.js';
export {
  createTaskQueues,
  deleteTaskQueues,
  type TaskQueuesOptions,
  type TaskQueueUrls,
} from './queues.js';
export { SqsTaskQueue, type SqsTaskQueueOptions } from './task-queue.js';
export { SqsHealthProbe, type SqsHealthProbeOptions } from './health-probe.js';
export { decodeBody, encodeBody, encodeReceipt, type QueueMessageBody } from './message.js';
