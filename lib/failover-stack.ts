import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { FailoverConfig } from './config/index.js';
import { AlarmTopic } from './constructs/alarm-topic.js';
import { FailoverRecords } from './constructs/failover-records.js';

/** Properties of {@link FailoverStack}. */
export interface FailoverStackProps extends StackProps {
  readonly failover: FailoverConfig;
  /** @default no subscription to the alarm topic */
  readonly alarmEmail?: string | undefined;
}

/**
 * The Route 53 health check of the API, the failover records and an alarm on the check. The
 * stack must be deployed in us-east-1, the only region where Route 53 publishes health check
 * metrics, so it has an alarm topic of its own there.
 */
export class FailoverStack extends Stack {
  readonly records: FailoverRecords;
  readonly healthCheckAlarm: Alarm;

  constructor(scope: Construct, id: string, props: FailoverStackProps) {
    super(scope, id, props);
    this.records = new FailoverRecords(this, 'Records', { failover: props.failover });
    const topic = new AlarmTopic(this, 'Alarms', {
      displayName: 'Happy OS failover alarms',
      ...(props.alarmEmail ? { email: props.alarmEmail } : {}),
    });
    this.healthCheckAlarm = new Alarm(this, 'HealthCheckAlarm', {
      alarmDescription:
        `Route 53 finds ${props.failover.cloudDomain}/health unhealthy; ` +
        `${props.failover.failoverDomain} now points at the edge.`,
      metric: new Metric({
        namespace: 'AWS/Route53',
        metricName: 'HealthCheckStatus',
        dimensionsMap: { HealthCheckId: this.healthCheckId },
        statistic: 'Minimum',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
    });
    this.healthCheckAlarm.addAlarmAction(topic.action);
    this.healthCheckAlarm.addOkAction(topic.action);
  }

  /** Returns the id of the health check. */
  get healthCheckId(): string {
    return this.records.healthCheck.healthCheckId;
  }
}
