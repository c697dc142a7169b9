import { Duration } from 'aws-cdk-lib';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IDomain } from 'aws-cdk-lib/aws-opensearchservice';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import {
  APP_METRICS,
  APP_METRICS_NAMESPACE,
  FUNCTION_METRIC_DIMENSION,
} from '../lambda-entries.js';

/** The API's metrics; both HTTP APIs and REST APIs offer these methods. */
export interface ApiMetricSource {
  metricLatency(props?: MetricOptions): Metric;
  metricCount(props?: MetricOptions): Metric;
  metricClientError(props?: MetricOptions): Metric;
  metricServerError(props?: MetricOptions): Metric;
}

/** Everything the dashboard shows and the alarms watch. */
export interface MonitoredResources {
  readonly api: ApiMetricSource;
  readonly functions: readonly { readonly name: string; readonly fn: IFunction }[];
  readonly search: IDomain;
  /** EBS volume of each data node, for the free-storage alarm. */
  readonly searchVolumeGiB: number;
  /** Member clusters of the cache; empty when the cache is off. */
  readonly cacheClusterIds: readonly string[];
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** `service` dimension of the app's own metrics. */
  readonly service: string;
  /** Route 53 health check of the API, with failover settings only. */
  readonly healthCheckId?: string;
}

/** Returns a metric of one cache member, such as `EngineCPUUtilization`. */
export function cacheMetric(clusterId: string, metricName: string, statistic: string): Metric {
  return new Metric({
    namespace: 'AWS/ElastiCache',
    metricName,
    dimensionsMap: { CacheClusterId: clusterId },
    statistic,
    period: Duration.minutes(5),
  });
}

/** Returns one of the app's own metrics, summed or as `statistic`. */
export function appMetric(service: string, metricName: string, statistic = 'Sum'): Metric {
  return new Metric({
    namespace: APP_METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service },
    statistic,
    period: Duration.minutes(1),
  });
}

/** Returns the per-function copy of `Responses5xx` that a function's deployment rolls back on. */
export function function5xxMetric(service: string, functionName: string): Metric {
  return new Metric({
    namespace: APP_METRICS_NAMESPACE,
    metricName: APP_METRICS.responses5xx,
    dimensionsMap: { service, [FUNCTION_METRIC_DIMENSION]: functionName },
    statistic: 'Sum',
    period: Duration.minutes(1),
  });
}

/** Returns the status of a Route 53 health check: 1 healthy, 0 unhealthy. */
export function healthCheckMetric(healthCheckId: string): Metric {
  return new Metric({
    namespace: 'AWS/Route53',
    metricName: 'HealthCheckStatus',
    dimensionsMap: { HealthCheckId: healthCheckId },
    statistic: 'Minimum',
    period: Duration.minutes(1),
    // Route 53 publishes health check metrics only in us-east-1.
    region: 'us-east-1',
  });
}
