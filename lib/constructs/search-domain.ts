import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { EbsDeviceVolumeType, type ISecurityGroup, type IVpc } from 'aws-cdk-lib/aws-ec2';
import {
  AccountRootPrincipal,
  PolicyDocument,
  PolicyStatement,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnResourcePolicy, LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import {
  CfnDomain,
  Domain,
  EngineVersion,
  TLSSecurityPolicy,
} from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import type { SearchConfig } from '../config/index.js';

/** Properties of {@link SearchDomain}. */
export interface SearchDomainProps {
  /** Domain name: 3-28 lower-case letters, digits and hyphens. */
  readonly domainName: string;
  readonly config: SearchConfig;
  readonly vpc: IVpc;
  /** One subnet per availability zone; zone awareness spreads the nodes over them. */
  readonly subnets: SubnetSelection;
  readonly zoneCount: number;
  readonly securityGroup: ISecurityGroup;
  /** Key that encrypts the data at rest. */
  readonly encryptionKey: IKey;
  readonly logRetention: RetentionDays;
  /** Key that encrypts the log groups. @default the CloudWatch Logs default encryption */
  readonly logEncryptionKey?: IKey;
}

/** IAM actions of the OpenSearch data plane, one per HTTP method. */
export const SEARCH_DATA_ACTIONS = ['Get', 'Head', 'Post', 'Put', 'Delete'].map(
  (method) => `es:ESHttp${method}`,
);

/**
 * Returns the resource ARNs that cover the indices, aliases and templates whose names match
 * `indexPattern` (such as `happy-dev-*`), plus, with `multiDocument`, the `_bulk` and `_mget`
 * calls at the domain root.
 *
 * NOTE: a `_bulk` or `_mget` at the root names its indices in the body, which IAM does not see
 * while `rest.action.multi.allow_explicit_index` is on, so a function granted them can reach any
 * index. The search index adapter writes with `_mget` and `_bulk` and the task store reads its
 * slots with `_mget`, so only the health check, which uses neither, is kept from them.
 */
export function searchIndexResources(
  domainArn: string,
  indexPattern: string,
  multiDocument: boolean,
): string[] {
  const resources = [
    `${domainArn}/${indexPattern}`,
    `${domainArn}/${indexPattern}/*`,
    `${domainArn}/_alias/${indexPattern}`,
    `${domainArn}/_index_template/${indexPattern}`,
  ];
  return multiDocument ? [...resources, `${domainArn}/_bulk`, `${domainArn}/_mget`] : resources;
}

/**
 * An OpenSearch Service domain inside the VPC, reached over HTTPS (TLS 1.2 or later with
 * forward secrecy) with requests signed by IAM roles; it has no resource policy, so only
 * identity policies made by {@link grantIndexAccess} open it. Data is encrypted at rest with
 * `encryptionKey` and between nodes; dedicated master nodes and zone awareness keep it
 * available when one zone fails. Slow-search, slow-index and error logs go to CloudWatch Logs.
 * The domain is retained when its stack is deleted.
 */
export class SearchDomain extends Construct {
  readonly domain: Domain;

  constructor(scope: Construct, id: string, props: SearchDomainProps) {
    super(scope, id);
    const { config } = props;
    const logs = {
      slowSearchLogGroup: this.logGroup('SlowSearchLogs', props),
      slowIndexLogGroup: this.logGroup('SlowIndexLogs', props),
      appLogGroup: this.logGroup('ErrorLogs', props),
    };
    const logPolicy = this.allowServiceToLog(props.domainName, Object.values(logs));

    this.domain = new Domain(this, 'Domain', {
      domainName: props.domainName,
      version: EngineVersion.openSearch(config.version),
      vpc: props.vpc,
      vpcSubnets: [props.subnets],
      securityGroups: [props.securityGroup],
      capacity: {
        dataNodes: config.dataNodes,
        dataNodeInstanceType: config.instanceType,
        masterNodes: config.masterNodes,
        masterNodeInstanceType: config.masterInstanceType,
        multiAzWithStandbyEnabled: false,
      },
      zoneAwareness: { enabled: true, availabilityZoneCount: props.zoneCount },
      ebs: { volumeSize: config.volumeGiB, volumeType: EbsDeviceVolumeType.GP3 },
      encryptionAtRest: { enabled: true, kmsKey: props.encryptionKey },
      nodeToNodeEncryption: true,
      enforceHttps: true,
      tlsSecurityPolicy: TLSSecurityPolicy.TLS_1_2_PFS,
      logging: {
        ...logs,
        slowSearchLogEnabled: true,
        slowIndexLogEnabled: true,
        appLogEnabled: true,
      },
      suppressLogsResourcePolicy: true,
      enableVersionUpgrade: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.domain.node.addDependency(logPolicy);
    this.setAccessPolicy(props.domainName);
  }

  /** Returns the domain's `https://` URL. */
  get endpointUrl(): string {
    return `https://${this.domain.domainEndpoint}`;
  }

  // Set on the L1 resource: the L2 accessPolicies prop would add a custom resource to apply it.
  private setAccessPolicy(domainName: string): void {
    const stack = Stack.of(this);
    const cfnDomain = this.domain.node.defaultChild as CfnDomain;
    cfnDomain.accessPolicies = new PolicyDocument({
      statements: [
        new PolicyStatement({
          principals: [new AccountRootPrincipal()],
          actions: SEARCH_DATA_ACTIONS,
          resources: [
            stack.formatArn({
              service: 'es',
              resource: 'domain',
              resourceName: `${domainName}/*`,
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          ],
        }),
      ],
    }).toJSON();
    Validations.of(cfnDomain).acknowledge({
      id: 'AwsSolutions-OS3',
      reason:
        'The domain is in private subnets and its security group admits only the functions on ' +
        '443; OpenSearch rejects IP conditions in the policies of VPC domains.',
    });
  }

  private logGroup(id: string, props: SearchDomainProps): LogGroup {
    return new LogGroup(this, id, {
      retention: props.logRetention,
      ...(props.logEncryptionKey ? { encryptionKey: props.logEncryptionKey } : {}),
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  // With suppressLogsResourcePolicy the Domain construct adds no custom resource; this plain
  // CloudFormation resource policy lets the OpenSearch service write to the three log groups.
  private allowServiceToLog(domainName: string, groups: LogGroup[]): CfnResourcePolicy {
    const document = new PolicyDocument({
      statements: [
        new PolicyStatement({
          principals: [new ServicePrincipal('es.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: groups.map((group) => group.logGroupArn),
        }),
      ],
    });
    return new CfnResourcePolicy(this, 'LogsResourcePolicy', {
      policyName: `${domainName}-logs`,
      policyDocument: Stack.of(this).toJsonString(document.toJSON()),
    });
  }
}
