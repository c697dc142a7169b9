import { RemovalPolicy } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { CfnReplicationGroup, CfnSubnetGroup } from 'aws-cdk-lib/aws-elasticache';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { CacheConfig } from '../config/index.js';

/**
 * Port of the cache. It is not the Redis default 6379, so scans for open Redis servers that try
 * only the default port miss it.
 */
export const CACHE_PORT = 6380;

/** Properties of {@link CacheCluster}. */
export interface CacheClusterProps {
  /** Replication group id: 1-40 lower-case letters, digits and hyphens. */
  readonly replicationGroupId: string;
  readonly config: CacheConfig;
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  readonly securityGroup: ISecurityGroup;
  /** Key that encrypts the data at rest. */
  readonly encryptionKey: IKey;
  /** Secret whose JSON field `token` is the AUTH token. */
  readonly authToken: ISecret;
  readonly logRetention: RetentionDays;
}

/**
 * An ElastiCache for Valkey replication group: one primary and `config.replicas` replicas spread
 * over the zones, with automatic failover, TLS required in transit, an AUTH token, encryption at
 * rest and daily snapshots. Slow and engine logs go to CloudWatch Logs. The group is retained
 * when its stack is deleted.
 */
export class CacheCluster extends Construct {
  readonly replicationGroup: CfnReplicationGroup;
  /** Host name of the primary endpoint. */
  readonly endpoint: string;
  /** Ids of the member clusters, as their CloudWatch metrics name them. */
  readonly memberClusterIds: readonly string[];

  constructor(scope: Construct, id: string, props: CacheClusterProps) {
    super(scope, id);
    const subnetGroup = new CfnSubnetGroup(this, 'SubnetGroup', {
      description: `Subnets of ${props.replicationGroupId}`,
      subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
    });
    const nodes = props.config.replicas + 1;

    this.replicationGroup = new CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupId: props.replicationGroupId,
      replicationGroupDescription: 'Cache, rate limits, idempotency keys and breaker state',
      engine: 'valkey',
      engineVersion: '8.0',
      cacheNodeType: props.config.nodeType,
      numCacheClusters: nodes,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      port: CACHE_PORT,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [props.securityGroup.securityGroupId],
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      authToken: props.authToken.secretValueFromJson('token').unsafeUnwrap(),
      atRestEncryptionEnabled: true,
      kmsKeyId: props.encryptionKey.keyArn,
      snapshotRetentionLimit: 7,
      autoMinorVersionUpgrade: true,
      logDeliveryConfigurations: [
        this.logDelivery('SlowLogs', 'slow-log', props.logRetention),
        this.logDelivery('EngineLogs', 'engine-log', props.logRetention),
      ],
    });
    this.replicationGroup.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.endpoint = this.replicationGroup.attrPrimaryEndPointAddress;
    // ElastiCache names the members of a group <group id>-001, -002 and so on.
    this.memberClusterIds = Array.from(
      { length: nodes },
      (_, i) => `${props.replicationGroupId}-${String(i + 1).padStart(3, '0')}`,
    );
  }

  private logDelivery(
    id: string,
    logType: 'slow-log' | 'engine-log',
    retention: RetentionDays,
  ): CfnReplicationGroup.LogDeliveryConfigurationRequestProperty {
    const group = new LogGroup(this, id, { retention, removalPolicy: RemovalPolicy.RETAIN });
    return {
      destinationType: 'cloudwatch-logs',
      destinationDetails: { cloudWatchLogsDetails: { logGroup: group.logGroupName } },
      logFormat: 'json',
      logType,
    };
  }
}
