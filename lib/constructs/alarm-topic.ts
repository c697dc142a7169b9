import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** Properties of {@link AlarmTopic}. */
export interface AlarmTopicProps {
  /** Shown as the sender of email notifications. */
  readonly displayName: string;
  /**
   * Address subscribed to the topic; AWS mails it a confirmation link first.
   * @default no subscription
   */
  readonly email?: string;
}

/**
 * The SNS topic alarms notify, encrypted with a key of its own whose policy lets CloudWatch
 * publish for the alarms of this stack's account and region only, and reachable only over TLS.
 */
export class AlarmTopic extends Construct {
  readonly topic: Topic;
  /** Action that sends an alarm's state changes to the topic. */
  readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const key = new Key(this, 'Key', {
      description: `Encrypts the ${props.displayName} topic`,
      enableKeyRotation: true,
      // The key protects notifications in transit only; no data outlives the topic.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(allowAlarmsOfThisStack(Stack.of(this)));
    this.topic = new Topic(this, 'Topic', {
      displayName: props.displayName,
      masterKey: key,
      enforceSSL: true,
    });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
    this.action = new SnsAction(this.topic);
  }
}

/**
 * Returns the key policy statement that lets CloudWatch encrypt alarm notifications for the
 * topic. CloudWatch sends the alarm's account as `aws:SourceAccount` and its ARN as
 * `aws:SourceArn`, so alarms of other accounts or regions cannot use the key.
 *
 * NOTE: no deployment has yet confirmed that notifications still arrive under these conditions;
 * after a first deploy, set an alarm's state with `aws cloudwatch set-alarm-state` to check.
 */
function allowAlarmsOfThisStack(stack: Stack): PolicyStatement {
  const alarmArns = stack.formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: '*',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  return new PolicyStatement({
    principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    resources: ['*'],
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': alarmArns },
    },
  });
}
