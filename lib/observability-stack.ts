import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ApiStack } from './api-stack.js';
import type { HappyOsConfig } from './config/index.js';
import { AlarmTopic } from './constructs/alarm-topic.js';
import { AppDashboard } from './constructs/app-dashboard.js';
import type { MonitoredResources } from './constructs/monitored-resources.js';
import { ServiceAlarms } from './constructs/service-alarms.js';
import type { DataStack } from './data-stack.js';
import { serviceName, type FunctionName } from './lambda-entries.js';

/** Properties of {@link ObservabilityStack}. */
export interface ObservabilityStackProps extends StackProps {
  readonly config: HappyOsConfig;
  readonly data: DataStack;
  readonly api: ApiStack;
  /** Route 53 health check of the API. @default none shown */
  readonly healthCheckId?: string;
}

/** The dashboard of the cloud path, its alarms and the encrypted SNS topic they notify. */
export class ObservabilityStack extends Stack {
  readonly topic: AlarmTopic;
  readonly dashboard: AppDashboard;
  readonly alarms: ServiceAlarms;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { config, data, api } = props;
    const apiMetrics = api.httpApi?.api ?? api.restApi?.api;
    if (!apiMetrics) throw new Error('ObservabilityStack: the API stack has no API.');
    const resources: MonitoredResources = {
      api: apiMetrics,
      functions: Object.entries(api.functions).map(([name, handler]) => ({
        name: name as FunctionName,
        fn: handler.function,
      })),
      search: data.search.domain,
      searchVolumeGiB: config.search.volumeGiB,
      cacheClusterIds: data.cache?.memberClusterIds ?? [],
      queue: data.tasks.queue,
      deadLetterQueue: data.tasks.deadLetterQueue,
      service: serviceName(config.stage),
      ...(props.healthCheckId ? { healthCheckId: props.healthCheckId } : {}),
    };

    this.topic = new AlarmTopic(this, 'Alarms', {
      displayName: `Happy OS ${config.stage} alarms`,
      ...(config.alarmEmail ? { email: config.alarmEmail } : {}),
    });
    this.dashboard = new AppDashboard(this, 'Dashboard', {
      dashboardName: `happy-os-${config.stage}`,
      resources,
    });
    this.alarms = new ServiceAlarms(this, 'ServiceAlarms', {
      resources,
      action: this.topic.action,
    });
  }
}
