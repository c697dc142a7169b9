import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  TreatMissingData,
  type IAlarmAction,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { APP_METRICS } from '../lambda-entries.js';
import { appMetric, cacheMetric, type MonitoredResources } from './monitored-resources.js';

/** Properties of {@link ServiceAlarms}. */
export interface ServiceAlarmsProps {
  readonly resources: MonitoredResources;
  /** Action that receives each alarm and its recovery. */
  readonly action: IAlarmAction;
  /**
   * p99 API latency, in ms, above which the latency alarm fires.
   * @default 2000
   */
  readonly apiLatencyMs?: number;
}

interface AlarmSpec {
  readonly id: string;
  readonly description: string;
  readonly metric: IMetric;
  readonly threshold: number;
  /** @default GREATER_THAN_OR_EQUAL_TO_THRESHOLD */
  readonly comparison?: ComparisonOperator;
  /** Periods in a row that must breach. @default 1 */
  readonly periods?: number;
}

const BELOW = ComparisonOperator.LESS_THAN_THRESHOLD;
const ABOVE = ComparisonOperator.GREATER_THAN_THRESHOLD;

/**
 * Alarms on the signals that need a person: API error rate and latency, function errors and
 * throttles, OpenSearch health and capacity, cache pressure, stuck or dead-lettered tasks, and
 * the app's own 5xx and breaker metrics. Each one notifies `action` when it fires and
 * when it recovers. Missing data counts as not breaching, because idle periods publish none.
 */
export class ServiceAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    const r = props.resources;
    const specs = [
      ...apiSpecs(r, props.apiLatencyMs ?? 2000),
      ...functionSpecs(r),
      ...searchSpecs(r),
      ...cacheSpecs(r),
      ...queueAndAppSpecs(r),
    ];
    for (const spec of specs) {
      const alarm = new Alarm(this, spec.id, {
        alarmDescription: spec.description,
        metric: spec.metric,
        threshold: spec.threshold,
        evaluationPeriods: spec.periods ?? 1,
        comparisonOperator:
          spec.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(props.action);
      alarm.addOkAction(props.action);
      this.alarms.push(alarm);
    }
  }
}

function apiSpecs(r: MonitoredResources, latencyMs: number): AlarmSpec[] {
  const period = Duration.minutes(5);
  const errorRate = new MathExpression({
    expression: 'IF(requests > 0, 100 * errors / requests, 0)',
    usingMetrics: {
      requests: r.api.metricCount({ period }),
      errors: r.api.metricServerError({ period }),
    },
    period,
    label: 'API 5xx (%)',
  });
  return [
    {
      id: 'Api5xxRate',
      description: 'More than 1% of API requests end in 5xx.',
      metric: errorRate,
      threshold: 1,
      comparison: ABOVE,
      periods: 2,
    },
    {
      id: 'ApiLatencyP99',
      description: `API p99 latency above ${latencyMs} ms for 15 minutes.`,
      metric: r.api.metricLatency({ statistic: 'p99', period }),
      threshold: latencyMs,
      comparison: ABOVE,
      periods: 3,
    },
  ];
}

function functionSpecs(r: MonitoredResources): AlarmSpec[] {
  const period = Duration.minutes(5);
  return r.functions.flatMap(({ name, fn }) => [
    {
      id: `${name}-Errors`,
      description: `${name}: 5 or more invocation errors in 5 minutes.`,
      metric: fn.metricErrors({ period }),
      threshold: 5,
    },
    {
      id: `${name}-Throttles`,
      description: `${name}: invocations throttled; raise concurrency or lower the API rate.`,
      metric: fn.metricThrottles({ period }),
      threshold: 1,
    },
  ]);
}

function searchSpecs(r: MonitoredResources): AlarmSpec[] {
  // FreeStorageSpace is in MiB per node; alarm when a node has less than a quarter left.
  const minFreeMiB = r.searchVolumeGiB * 1024 * 0.25;
  const min1 = { period: Duration.minutes(1) };
  return [
    {
      id: 'SearchRed',
      description: 'OpenSearch is red: a primary shard is unassigned; /health fails.',
      metric: r.search.metricClusterStatusRed(min1),
      threshold: 1,
    },
    {
      id: 'SearchYellow',
      description: 'OpenSearch has been yellow for 15 minutes: replicas unassigned.',
      metric: r.search.metricClusterStatusYellow(min1),
      threshold: 1,
      periods: 15,
    },
    {
      id: 'SearchWritesBlocked',
      description: 'OpenSearch blocks writes; add storage or nodes.',
      metric: r.search.metricClusterIndexWritesBlocked(min1),
      threshold: 1,
    },
    {
      id: 'SearchFreeStorage',
      description: 'An OpenSearch node has under 25% storage left.',
      metric: r.search.metricFreeStorageSpace(),
      threshold: minFreeMiB,
      comparison: BELOW,
    },
    {
      id: 'SearchJvmPressure',
      description: 'OpenSearch JVM memory pressure above 80% for 15 minutes.',
      metric: r.search.metricJVMMemoryPressure(),
      threshold: 80,
      comparison: ABOVE,
      periods: 3,
    },
  ];
}

function cacheSpecs(r: MonitoredResources): AlarmSpec[] {
  const perNode = r.cacheClusterIds.flatMap((id) => [
    {
      id: `${id}-Cpu`,
      description: `${id}: engine CPU above 80% for 15 minutes.`,
      metric: cacheMetric(id, 'EngineCPUUtilization', 'Average'),
      threshold: 80,
      comparison: ABOVE,
      periods: 3,
    },
    {
      id: `${id}-Memory`,
      description: `${id}: memory above 85%; keys are about to be evicted.`,
      metric: cacheMetric(id, 'DatabaseMemoryUsagePercentage', 'Maximum'),
      threshold: 85,
      comparison: ABOVE,
    },
    {
      id: `${id}-Evictions`,
      description: `${id}: keys evicted, idempotency keys may be lost.`,
      metric: cacheMetric(id, 'Evictions', 'Sum'),
      threshold: 1,
    },
  ]);
  const lag = replicationLagSpec(r.cacheClusterIds);
  return lag ? [...perNode, lag] : perNode;
}

/**
 * Returns one alarm on the highest replication lag of all members, or undefined with fewer than
 * two members. Every member is included, the first too, because automatic failover can promote
 * any replica and turn the old primary into a replica. Only replicas publish `ReplicationLag`.
 */
function replicationLagSpec(clusterIds: readonly string[]): AlarmSpec | undefined {
  if (clusterIds.length < 2) return undefined;
  const usingMetrics = Object.fromEntries(
    clusterIds.map((id, i) => [`lag${i}`, cacheMetric(id, 'ReplicationLag', 'Maximum')]),
  );
  const metric = new MathExpression({
    expression: `MAX([${Object.keys(usingMetrics).join(', ')}])`,
    usingMetrics,
    period: Duration.minutes(5),
    label: 'Cache replication lag, highest member (s)',
  });
  return {
    id: 'CacheReplicationLag',
    description: 'A cache replica is over 1 s behind its primary.',
    metric,
    threshold: 1,
    comparison: ABOVE,
  };
}

function queueAndAppSpecs(r: MonitoredResources): AlarmSpec[] {
  return [
    {
      id: 'TaskQueueAge',
      description: 'A task has waited over 15 minutes in the queue.',
      metric: r.queue.metricApproximateAgeOfOldestMessage(),
      threshold: 900,
      comparison: ABOVE,
    },
    {
      id: 'TaskDeadLetters',
      description: 'Task messages reached the dead-letter queue.',
      metric: r.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
      threshold: 1,
    },
    {
      id: 'Handler5xx',
      description: 'Handlers returned 10 or more 5xx responses in 5 minutes.',
      metric: appMetric(r.service, APP_METRICS.responses5xx).with({ period: Duration.minutes(5) }),
      threshold: 10,
    },
    {
      id: 'BreakerOpen',
      description: 'A circuit breaker guarding a dependency is open.',
      metric: appMetric(r.service, APP_METRICS.breakerOpen, 'Maximum'),
      threshold: 1,
    },
  ];
}
