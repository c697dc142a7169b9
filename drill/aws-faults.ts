import {
  DeleteFunctionConcurrencyCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  type LambdaClientConfig,
} from '@aws-sdk/client-lambda';
import {
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  TestFailoverCommand,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { DescribeDomainCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { setTimeout as sleep } from 'node:timers/promises';
import { allFunctionNames } from '../lib/lambda-entries.js';
import { FaultError } from './errors.js';
import type { ActiveFault } from './fault-types.js';
import type { DrillHttp } from './http.js';
import type { PendingEntry, UndoJournal, Undoer } from './journal.js';
import { restoreChaosRules } from './localstack-chaos.js';

/** Endpoint, region and credentials of the AWS APIs. */
export interface AwsSettings {
  readonly region: string;
  /** LocalStack's or moto's endpoint, or null for AWS itself. */
  readonly endpoint: string | null;
  /** @default the SDK's default credential chain */
  readonly credentials?: LambdaClientConfig['credentials'];
}

/** The SDK clients the faults use. */
export interface AwsClients {
  readonly lambda: LambdaClient;
  readonly elasticache: ElastiCacheClient;
  readonly opensearch: OpenSearchClient;
}

/** Creates the SDK clients for `settings`. */
export function createAwsClients(settings: AwsSettings): AwsClients {
  const config = {
    region: settings.region,
    maxAttempts: 3,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  };
  return {
    lambda: new LambdaClient(config),
    elasticache: new ElastiCacheClient(config),
    opensearch: new OpenSearchClient(config),
  };
}

/** Names of the Lambda functions of a stage, as the API stack names them. */
export function stageFunctionNames(stage: string): string[] {
  return allFunctionNames().map((name) => `happy-os-${stage}-${name}`);
}

/** Returns a function's reserved concurrency, or null when none is set. */
export async function readReservedConcurrency(
  lambda: LambdaClient,
  functionName: string,
): Promise<number | null> {
  const output = await lambda.send(
    new GetFunctionConcurrencyCommand({ FunctionName: functionName }),
  );
  return output.ReservedConcurrentExecutions ?? null;
}

/** Sets a function's reserved concurrency back to `previous`, or removes it when null. */
export async function restoreReservedConcurrency(
  lambda: LambdaClient,
  functionName: string,
  previous: number | null,
): Promise<void> {
  if (previous === null) {
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: functionName }));
    return;
  }
  await lambda.send(
    new PutFunctionConcurrencyCommand({
      FunctionName: functionName,
      ReservedConcurrentExecutions: previous,
    }),
  );
}

interface ChangedFunction {
  readonly seq: number;
  readonly functionName: string;
  readonly previous: number | null;
}

/**
 * Sets reserved concurrency 0 on each function, which makes Lambda throttle every invocation.
 * Each function's previous value goes into the journal before its change; a failure part way
 * restores the functions already changed.
 *
 * @throws {FaultError} naming the function that failed.
 */
export async function throttleFunctions(
  clients: AwsClients,
  settings: AwsSettings,
  functionNames: readonly string[],
  journal: UndoJournal,
): Promise<ActiveFault> {
  const changed: ChangedFunction[] = [];
  const restore = () => restoreFunctions(clients.lambda, changed, journal);
  for (const functionName of functionNames) {
    try {
      const previous = await readReservedConcurrency(clients.lambda, functionName);
      const seq = journal.record({
        kind: 'lambda-concurrency',
        region: settings.region,
        endpoint: settings.endpoint,
        functionName,
        previous,
      });
      changed.push({ seq, functionName, previous });
      await clients.lambda.send(
        new PutFunctionConcurrencyCommand({
          FunctionName: functionName,
          ReservedConcurrentExecutions: 0,
        }),
      );
    } catch (error) {
      await restore().catch(() => undefined);
      throw new FaultError(
        `Setting reserved concurrency 0 on ${functionName} failed: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
  }
  return {
    description: `reserved concurrency 0 on ${functionNames.length} Lambda functions`,
    clear: restore,
  };
}

async function restoreFunctions(
  lambda: LambdaClient,
  changed: ChangedFunction[],
  journal: UndoJournal,
): Promise<void> {
  const failures: string[] = [];
  for (const change of [...changed].reverse()) {
    try {
      await restoreReservedConcurrency(lambda, change.functionName, change.previous);
      journal.markUndone(change.seq);
    } catch (error) {
      journal.markFailed(change.seq, error);
      failures.push(`${change.functionName}: ${messageOf(error)}`);
    }
  }
  changed.length = 0;
  if (failures.length > 0) {
    throw new FaultError(`Restoring reserved concurrency failed for ${failures.join('; ')}`);
  }
}

/** Returns the replication group, or null when it does not exist. */
export async function describeReplicationGroup(
  elasticache: ElastiCacheClient,
  replicationGroupId: string,
): Promise<ReplicationGroup | null> {
  try {
    const output = await elasticache.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }),
    );
    return output.ReplicationGroups?.[0] ?? null;
  } catch (error) {
    if ((error as Error).name === 'ReplicationGroupNotFoundFault') return null;
    throw error;
  }
}

/**
 * Starts a failover of the replication group's first node group with TestFailover: its primary
 * node goes away and a replica takes over. A failover cannot be reverted, so clearing the fault
 * waits until the group is `available` again, with the replica as its new primary.
 *
 * @throws {FaultError} when the group is missing, not available, or TestFailover fails.
 */
export async function failoverReplicationGroup(
  clients: AwsClients,
  settings: AwsSettings,
  replicationGroupId: string,
  journal: UndoJournal,
  waitTimeoutMs = 600_000,
): Promise<ActiveFault> {
  const group = await describeReplicationGroup(clients.elasticache, replicationGroupId);
  if (!group)
    throw new FaultError(`ElastiCache replication group ${replicationGroupId} was not found.`);
  if (group.Status !== 'available') {
    throw new FaultError(
      `Replication group ${replicationGroupId} is ${group.Status}; wait until it is available.`,
    );
  }
  const nodeGroup = group.NodeGroups?.[0];
  const nodeGroupId = nodeGroup?.NodeGroupId ?? '0001';
  const previousPrimary =
    nodeGroup?.NodeGroupMembers?.find((member) => member.CurrentRole === 'primary')
      ?.CacheClusterId ?? null;

  const seq = journal.record({
    kind: 'elasticache-failover',
    region: settings.region,
    endpoint: settings.endpoint,
    replicationGroupId,
    nodeGroupId,
    previousPrimary,
  });
  try {
    await clients.elasticache.send(
      new TestFailoverCommand({ ReplicationGroupId: replicationGroupId, NodeGroupId: nodeGroupId }),
    );
  } catch (error) {
    journal.note(seq, { test_failover: 'failed', error: messageOf(error) });
    journal.markUndone(seq);
    throw new FaultError(`TestFailover of ${replicationGroupId} failed: ${messageOf(error)}`, {
      cause: error,
    });
  }
  return {
    description: `TestFailover of replication group ${replicationGroupId}, node group ${nodeGroupId}`,
    clear: async () => {
      await waitUntilAvailable(clients.elasticache, replicationGroupId, waitTimeoutMs);
      journal.markUndone(seq);
    },
  };
}

/**
 * Polls the replication group until it is `available` and returns its primary.
 *
 * @throws {FaultError} when it is not available within `timeoutMs`.
 */
export async function waitUntilAvailable(
  elasticache: ElastiCacheClient,
  replicationGroupId: string,
  timeoutMs: number,
  intervalMs = 5000,
): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const group = await describeReplicationGroup(elasticache, replicationGroupId);
    if (group?.Status === 'available') {
      const members = group.NodeGroups?.[0]?.NodeGroupMembers ?? [];
      return members.find((member) => member.CurrentRole === 'primary')?.CacheClusterId ?? null;
    }
    if (Date.now() + intervalMs > deadline) {
      throw new FaultError(
        `Replication group ${replicationGroupId} is ${group?.Status ?? 'missing'} after ${timeoutMs} ms; check it in the console.`,
      );
    }
    await sleep(intervalMs);
  }
}

/** State of an OpenSearch domain, from DescribeDomain. */
export interface DomainCheck {
  readonly domain: string;
  readonly found: boolean;
  /** Created, not deleted, and with an endpoint: ready to serve. */
  readonly healthy: boolean;
  /** True while a configuration change or upgrade runs. */
  readonly processing: boolean;
  readonly endpoint: string | null;
  readonly engineVersion: string | null;
}

/** Reads the domain's state with DescribeDomain; a missing domain is reported, not thrown. */
export async function checkOpenSearchDomain(
  opensearch: OpenSearchClient,
  domain: string,
): Promise<DomainCheck> {
  try {
    const { DomainStatus: status } = await opensearch.send(
      new DescribeDomainCommand({ DomainName: domain }),
    );
    const endpoint = status?.Endpoint ?? Object.values(status?.Endpoints ?? {})[0] ?? null;
    return {
      domain,
      found: true,
      healthy: status?.Created === true && status.Deleted !== true && endpoint !== null,
      processing: status?.Processing === true || status?.UpgradeProcessing === true,
      endpoint,
      engineVersion: status?.EngineVersion ?? null,
    };
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    return {
      domain,
      found: false,
      healthy: false,
      processing: false,
      endpoint: null,
      engineVersion: null,
    };
  }
}

/** Undoers of the AWS journal entries, for a replay after a crashed drill. */
export function awsUndoers(
  clientsFor: (settings: AwsSettings) => AwsClients,
  http: DrillHttp,
): Record<'lambda-concurrency' | 'elasticache-failover' | 'localstack-chaos', Undoer> {
  return {
    'lambda-concurrency': async ({ entry }: PendingEntry) => {
      if (entry.kind !== 'lambda-concurrency')
        throw new TypeError(`Wrong undoer for ${entry.kind}.`);
      const { lambda } = clientsFor({ region: entry.region, endpoint: entry.endpoint });
      await restoreReservedConcurrency(lambda, entry.functionName, entry.previous);
      const value =
        entry.previous === null
          ? 'no reserved concurrency'
          : `reserved concurrency ${entry.previous}`;
      return `Lambda function ${entry.functionName} has ${value} again.`;
    },
    'elasticache-failover': async ({ entry }: PendingEntry) => {
      if (entry.kind !== 'elasticache-failover')
        throw new TypeError(`Wrong undoer for ${entry.kind}.`);
      const { elasticache } = clientsFor({ region: entry.region, endpoint: entry.endpoint });
      const primary = await waitUntilAvailable(elasticache, entry.replicationGroupId, 600_000);
      return `Replication group ${entry.replicationGroupId} is available with primary ${primary ?? 'unknown'}; a failover is not reverted.`;
    },
    'localstack-chaos': async ({ entry }: PendingEntry) => {
      if (entry.kind !== 'localstack-chaos') throw new TypeError(`Wrong undoer for ${entry.kind}.`);
      await restoreChaosRules(http, entry.endpoint, entry.previousRules);
      return `LocalStack chaos rules at ${entry.endpoint} are back to the ${entry.previousRules.length} rules from before.`;
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
