/** Every setting the app reads from context (`-c key=value`, `cdk.json`) or from props. */
export const SETTING_KEYS = [
  'stage',
  'target',
  'account',
  'region',
  'availabilityZones',
  'natGateways',
  'bundle',
  'validateTemplates',
  'searchVersion',
  'searchInstanceType',
  'searchDataNodes',
  'searchMasterInstanceType',
  'searchMasterNodes',
  'searchVolumeGiB',
  'cache',
  'cacheNodeType',
  'cacheReplicas',
  'functionMemoryMiB',
  'functionTimeoutSeconds',
  'workerTimeoutSeconds',
  'durationAlarmMs',
  'deploymentConfig',
  'apiRateLimit',
  'apiBurstLimit',
  'logRetentionDays',
  'alarmEmail',
  'hostedZoneId',
  'hostedZoneName',
  'failoverDomain',
  'cloudDomain',
  'edgeEndpoint',
] as const;

/** Name of a setting. */
export type SettingKey = (typeof SETTING_KEYS)[number];

/** Raw settings, typed or as strings; {@link resolveConfig} checks them and fills in defaults. */
export type HappyOsSettings = Partial<Record<SettingKey, unknown>>;

/** Deployment target: AWS, or LocalStack's free edition through `cdklocal`. */
export type DeployTarget = 'aws' | 'localstack';

/** Gradual deployments CodeDeploy offers for Lambda aliases. */
export const DEPLOYMENT_CONFIGS = [
  'CANARY_10PERCENT_5MINUTES',
  'CANARY_10PERCENT_10MINUTES',
  'CANARY_10PERCENT_15MINUTES',
  'CANARY_10PERCENT_30MINUTES',
  'LINEAR_10PERCENT_EVERY_1MINUTE',
  'LINEAR_10PERCENT_EVERY_2MINUTES',
  'LINEAR_10PERCENT_EVERY_3MINUTES',
  'LINEAR_10PERCENT_EVERY_10MINUTES',
  'ALL_AT_ONCE',
] as const;

/** Name of a CodeDeploy Lambda deployment configuration. */
export type DeploymentConfigName = (typeof DEPLOYMENT_CONFIGS)[number];

/** Retention periods CloudWatch Logs accepts, in days. */
export const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** Size and version of the OpenSearch domain. */
export interface SearchConfig {
  readonly version: string;
  readonly instanceType: string;
  readonly dataNodes: number;
  readonly masterInstanceType: string;
  readonly masterNodes: number;
  readonly volumeGiB: number;
}

/** Size of the ElastiCache replication group. */
export interface CacheConfig {
  readonly nodeType: string;
  /** Read replicas besides the primary; at least 1 for automatic failover. */
  readonly replicas: number;
}

/** Lambda settings shared by every function. */
export interface FunctionsConfig {
  readonly memoryMiB: number;
  readonly timeoutSeconds: number;
  readonly workerTimeoutSeconds: number;
  /** p99 duration above which a deployment rolls back. */
  readonly durationAlarmMs: number;
  /** Gradual deployment through CodeDeploy; undefined publishes the alias at once. */
  readonly deploymentConfig?: DeploymentConfigName;
}

/** DNS failover between the cloud and the edge. */
export interface FailoverConfig {
  readonly hostedZoneId: string;
  readonly hostedZoneName: string;
  /** Name clients use. Route 53 resolves it to the cloud while that is healthy, else the edge. */
  readonly failoverDomain: string;
  /** Name of the API alone, which the health check probes. */
  readonly cloudDomain: string;
  /** Host name of the edge service. */
  readonly edgeEndpoint: string;
}

/** The checked configuration of one installation. */
export interface HappyOsConfig {
  readonly stage: string;
  readonly target: DeployTarget;
  /** AWS account; undefined leaves the stacks account-agnostic. */
  readonly account?: string;
  readonly region: string;
  readonly availabilityZones: readonly string[];
  readonly natGateways: number;
  /** Whether functions are bundled with esbuild; false deploys placeholder code. */
  readonly bundle: boolean;
  /** Whether `cdk synth` runs CDK's CloudFormation template validator besides cdk-nag. */
  readonly validateTemplates: boolean;
  readonly search: SearchConfig;
  /** The cache, or undefined when it is off. */
  readonly cache?: CacheConfig;
  readonly functions: FunctionsConfig;
  readonly api: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetentionDays: number;
  readonly alarmEmail?: string;
  readonly failover?: FailoverConfig;
}

/** Thrown when the configuration has problems; the message lists every one of them. */
export class HappyOsConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const list = problems.map((problem) => `  - ${problem}`).join('\n');
    super(
      `Invalid Happy OS configuration (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}):\n${list}\n` +
        'Set values with -c key=value, in cdk.json or in cdk.context.json; README.md ' +
        '("Deploying the cloud path") lists every setting.',
    );
    this.name = 'HappyOsConfigError';
    this.problems = problems;
  }
}
