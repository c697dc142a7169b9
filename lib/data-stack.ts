import { ArnFormat, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { HappyOsConfig } from './config/index.js';
import { AppSecrets } from './constructs/app-secrets.js';
import type { AppNetwork } from './constructs/app-network.js';
import { CacheCluster } from './constructs/cache-cluster.js';
import { FilesBucket } from './constructs/files-bucket.js';
import { SearchDomain } from './constructs/search-domain.js';
import { TaskQueue } from './constructs/task-queue.js';

/** Properties of {@link DataStack}. */
export interface DataStackProps extends StackProps {
  readonly config: HappyOsConfig;
  readonly network: AppNetwork;
}

/**
 * Every stateful resource: the OpenSearch domain, the cache, the files bucket, the task
 * queue, the secrets and the key that encrypts them. Each of them is retained when the stack is
 * deleted, so that tearing down the functions or the API never loses data.
 */
export class DataStack extends Stack {
  readonly stage: string;
  /** Name of the OpenSearch domain, `happy-os-<stage>`. */
  readonly domainName: string;
  /** Name of the files bucket, `happy-os-<stage>-files-<account>-<region>`. */
  readonly filesBucketName: string;
  readonly dataKey: Key;
  /**
   * Key that encrypts the log groups of the functions, the API access logs and the OpenSearch
   * logs. It lives here, not with the functions, so that the retained log groups of this stack
   * can use it without this stack depending on another one.
   */
  readonly logsKey: Key;
  readonly search: SearchDomain;
  readonly cache?: CacheCluster;
  readonly files: FilesBucket;
  readonly tasks: TaskQueue;
  readonly secrets: AppSecrets;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config, network } = props;
    const name = `happy-os-${config.stage}`;
    this.stage = config.stage;
    this.domainName = name;
    this.filesBucketName = `${name}-files-${this.account}-${this.region}`;
    const placement = { vpc: network.vpc, subnets: network.appSubnets };

    this.dataKey = new Key(this, 'DataKey', {
      alias: `alias/${name}-data`,
      description: 'Encrypts the data, queues and secrets of Happy OS',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.logsKey = this.createLogsKey(name);
    this.secrets = new AppSecrets(this, 'Secrets', {
      encryptionKey: this.dataKey,
      cacheAuthToken: config.cache !== undefined,
    });
    this.search = new SearchDomain(this, 'Search', {
      ...placement,
      domainName: name,
      config: config.search,
      zoneCount: config.availabilityZones.length,
      securityGroup: network.searchSecurityGroup,
      encryptionKey: this.dataKey,
      logRetention: config.logRetentionDays,
      logEncryptionKey: this.logsKey,
    });
    if (config.cache && this.secrets.cacheAuthToken) {
      this.cache = new CacheCluster(this, 'Cache', {
        ...placement,
        replicationGroupId: name,
        config: config.cache,
        securityGroup: network.cacheSecurityGroup,
        encryptionKey: this.dataKey,
        authToken: this.secrets.cacheAuthToken,
        logRetention: config.logRetentionDays,
      });
    }
    this.files = new FilesBucket(this, 'Files', {
      bucketName: this.filesBucketName,
      encryptionKey: this.dataKey,
    });
    this.tasks = new TaskQueue(this, 'Tasks', {
      encryptionKey: this.dataKey,
      workerTimeout: Duration.seconds(config.functions.workerTimeoutSeconds),
    });
  }

  /**
   * Creates the key of the log groups. CloudWatch Logs calls KMS with the ARN of the log group
   * as the encryption context `aws:logs:arn`, so the key policy lets the regional logs service
   * use the key only for log groups of this account and region.
   */
  private createLogsKey(name: string): Key {
    const key = new Key(this, 'LogsKey', {
      alias: `alias/${name}-logs`,
      description: 'Encrypts the CloudWatch log groups of Happy OS',
      enableKeyRotation: true,
      // Retained log groups stay readable only while their key exists.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logGroups = this.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: [
          'kms:Encrypt*',
          'kms:Decrypt*',
          'kms:ReEncrypt*',
          'kms:GenerateDataKey*',
          'kms:Describe*',
        ],
        resources: ['*'],
        conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': logGroups } },
      }),
    );
    return key;
  }
}
