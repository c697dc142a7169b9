import { randomBytes } from 'node:crypto';
import { totalmem } from 'node:os';
import type { LambdaContext } from '../../lambdas/handlers/http/types.js';

/** Fixed parts of every Lambda context of one server. */
export interface ContextSettings {
  readonly accountId: string;
  readonly region: string;
  /** Id of this server process, written into `logStreamName` as a Lambda instance id would be. */
  readonly instanceId: string;
}

/** Inputs of {@link createLambdaContext} for one invocation. */
export interface InvocationSource {
  readonly handler: string;
  readonly requestId: string;
  /** Time the request arrived, in milliseconds since the Unix epoch. */
  readonly receivedAt: number;
  /** Time the handler has, in milliseconds from `receivedAt`. */
  readonly timeoutMs: number;
}

/** Returns a new instance id: 32 hex digits, like those in Lambda log stream names. */
export function createInstanceId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Creates the Lambda context of one invocation: function `happy-edge-<handler>`, version
 * `$LATEST`, `awsRequestId` equal to the request id, and a deadline `timeoutMs` after the
 * request arrived. The deprecated `done`, `fail` and `succeed` throw, because the handlers
 * return or throw instead.
 */
export function createLambdaContext(
  source: InvocationSource,
  settings: ContextSettings,
): LambdaContext {
  const functionName = `happy-edge-${source.handler}`;
  const deadline = source.receivedAt + source.timeoutMs;
  const arnPrefix = `arn:aws:lambda:${settings.region}:${settings.accountId}`;
  const unsupported = (name: string) => (): never => {
    throw new Error(`context.${name}() is not supported at the edge; return or throw instead.`);
  };

  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `${arnPrefix}:function:${functionName}`,
    memoryLimitInMB: String(memoryLimitInMb()),
    awsRequestId: source.requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${logStreamDate(source.receivedAt)}/[$LATEST]${settings.instanceId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}

/** Memory this process may use in MiB: the cgroup limit when there is one, else all memory. */
function memoryLimitInMb(): number {
  // process.constrainedMemory() is experimental in Node 20 and returns 0 or undefined unlimited.
  const constrained = process.constrainedMemory?.() ?? 0;
  const bytes = constrained > 0 && constrained < totalmem() ? constrained : totalmem();
  return Math.floor(bytes / (1024 * 1024));
}

/** Formats the date prefix of a Lambda log stream name, such as `2026/12/04`. */
function logStreamDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10).replace(/-/g, '/');
}
