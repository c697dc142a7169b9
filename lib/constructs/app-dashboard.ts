import { Duration } from 'aws-cdk-lib';
import {
  Dashboard,
  GraphWidget,
  TextWidget,
  type IMetric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { APP_METRICS, TASK_WORKER } from '../lambda-entries.js';
import {
  appMetric,
  cacheMetric,
  function5xxMetric,
  healthCheckMetric,
  type MonitoredResources,
} from './monitored-resources.js';

/** Properties of {@link AppDashboard}. */
export interface AppDashboardProps {
  readonly dashboardName: string;
  readonly resources: MonitoredResources;
}

const WIDTH = 8;
const HEIGHT = 6;

function graph(title: string, left: IMetric[], right: IMetric[] = []): GraphWidget {
  return new GraphWidget({ title, left, right, width: WIDTH, height: HEIGHT });
}

/**
 * One CloudWatch dashboard for the cloud path, a row per layer: the API, the functions,
 * OpenSearch, the cache, the task queue, and the app's own 5xx and breaker metrics with the
 * Route 53 health check. The health router's flips are not in CloudWatch: it runs outside AWS
 * and counts them on its Prometheus `GET /metrics`.
 */
export class AppDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: AppDashboardProps) {
    super(scope, id);
    const r = props.resources;
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(...this.apiRow(r));
    this.dashboard.addWidgets(...this.functionRow(r));
    this.dashboard.addWidgets(...this.searchRow(r));
    this.dashboard.addWidgets(...this.cacheRow(r));
    this.dashboard.addWidgets(...this.queueAndAppRow(r));
  }

  private apiRow(r: MonitoredResources): IWidget[] {
    return [
      graph('API latency (ms)', [
        r.api.metricLatency({ statistic: 'p50' }),
        r.api.metricLatency({ statistic: 'p99' }),
      ]),
      graph('API requests', [r.api.metricCount()]),
      graph('API errors', [r.api.metricClientError(), r.api.metricServerError()]),
    ];
  }

  private functionRow(r: MonitoredResources): IWidget[] {
    const perFunction = (metric: (fn: MonitoredResources['functions'][number]) => IMetric) =>
      r.functions.map(metric);
    return [
      graph('Lambda errors and throttles', [
        ...perFunction(({ name, fn }) => fn.metricErrors({ label: `${name} errors` })),
        ...perFunction(({ name, fn }) => fn.metricThrottles({ label: `${name} throttles` })),
      ]),
      graph(
        'Lambda duration p99 (ms)',
        perFunction(({ name, fn }) => fn.metricDuration({ statistic: 'p99', label: name })),
      ),
      graph(
        'Lambda concurrent executions',
        perFunction(({ name, fn }) =>
          fn.metric('ConcurrentExecutions', { statistic: 'Maximum', label: name }),
        ),
      ),
    ];
  }

  private searchRow(r: MonitoredResources): IWidget[] {
    return [
      graph('OpenSearch cluster status (1 = on)', [
        r.search.metricClusterStatusRed(),
        r.search.metricClusterStatusYellow(),
        r.search.metricClusterIndexWritesBlocked(),
      ]),
      graph('OpenSearch latency p99 (ms)', [
        r.search.metricSearchLatency(),
        r.search.metricIndexingLatency(),
      ]),
      graph(
        'OpenSearch JVM pressure and CPU (%)',
        [r.search.metricJVMMemoryPressure(), r.search.metricCPUUtilization()],
        [r.search.metricFreeStorageSpace()],
      ),
    ];
  }

  private cacheRow(r: MonitoredResources): IWidget[] {
    if (r.cacheClusterIds.length === 0) {
      return [
        new TextWidget({
          markdown: '**ElastiCache** is off in this installation (`cache=false`).',
          width: 3 * WIDTH,
          height: 2,
        }),
      ];
    }
    const per = (name: string, statistic: string) =>
      r.cacheClusterIds.map((id) => cacheMetric(id, name, statistic).with({ label: id }));
    return [
      graph(
        'ElastiCache CPU and memory (%)',
        per('EngineCPUUtilization', 'Average'),
        per('DatabaseMemoryUsagePercentage', 'Maximum'),
      ),
      graph('ElastiCache evictions', per('Evictions', 'Sum')),
      graph('ElastiCache replication lag (s)', per('ReplicationLag', 'Maximum')),
    ];
  }

  private queueAndAppRow(r: MonitoredResources): IWidget[] {
    const app = (name: string, statistic?: string) => appMetric(r.service, name, statistic);
    // The task worker returns no HTTP responses, so it has no 5xx count.
    const per5xx = r.functions
      .filter(({ name }) => name !== TASK_WORKER)
      .map(({ name }) => function5xxMetric(r.service, name).with({ label: `${name} 5xx` }));
    return [
      graph(
        'Task queue: oldest message (s) and dead letters',
        [r.queue.metricApproximateAgeOfOldestMessage()],
        [r.deadLetterQueue.metricApproximateNumberOfMessagesVisible()],
      ),
      graph(
        'Handlers: 5xx responses and open breakers',
        [app(APP_METRICS.responses5xx).with({ label: 'all functions 5xx' }), ...per5xx],
        [app(APP_METRICS.breakerOpen, 'Maximum')],
      ),
      failoverWidget(r.healthCheckId),
    ];
  }
}

/**
 * Returns the graph of the Route 53 health check, or without DNS failover a note on where the
 * health router's flips are counted.
 */
function failoverWidget(healthCheckId: string | undefined): IWidget {
  if (!healthCheckId) {
    return new TextWidget({
      markdown:
        '**Failover**: DNS failover is off in this installation. The health router counts ' +
        'its flips as `happy_router_flips_total` on its own `GET /metrics` (Prometheus), ' +
        'outside CloudWatch.',
      width: WIDTH,
      height: HEIGHT,
    });
  }
  const health = healthCheckMetric(healthCheckId).with({
    label: 'Route 53 health check (1 = healthy)',
  });
  return graph('Failover: Route 53 health check', [health]);
}
