import { RemovalPolicy } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Properties of {@link AppNetwork}. */
export interface AppNetworkProps {
  /** Zones the VPC spans, two or three. */
  readonly availabilityZones: readonly string[];
  /**
   * NAT gateways. With none, the private subnets are isolated and the functions reach AWS only
   * through the VPC endpoints, so `http` tasks cannot reach the internet.
   * @default 1
   */
  readonly natGateways?: number;
  /** Port the cache listens on; only the functions may connect to it. */
  readonly cachePort: number;
  /** Retention of the VPC flow log. */
  readonly logRetention: RetentionDays;
}

/**
 * The VPC of the cloud path and the security groups that decide who may connect to whom.
 * Functions, the OpenSearch domain and the cache sit in private subnets. Only the functions'
 * group may open connections to the domain (443), the cache (`cachePort`) and the interface
 * endpoints (443).
 *
 * Endpoints: S3 (gateway) for the files bucket, SQS for the task queue and Secrets Manager for
 * the keys and tokens. The functions need no CloudWatch Logs or KMS endpoint, because Lambda
 * ships their logs outside the VPC and SQS, S3 and Secrets Manager call KMS on their behalf.
 */
export class AppNetwork extends Construct {
  readonly vpc: Vpc;
  /** Subnets of the functions, the domain and the cache. */
  readonly appSubnets: SubnetSelection;
  readonly functionsSecurityGroup: SecurityGroup;
  readonly searchSecurityGroup: SecurityGroup;
  readonly cacheSecurityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: AppNetworkProps) {
    super(scope, id);
    const natGateways = props.natGateways ?? 1;
    const subnetType =
      natGateways > 0 ? SubnetType.PRIVATE_WITH_EGRESS : SubnetType.PRIVATE_ISOLATED;
    const flowLogGroup = new LogGroup(this, 'FlowLogGroup', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.vpc = new Vpc(this, 'Vpc', {
      availabilityZones: [...props.availabilityZones],
      natGateways,
      subnetConfiguration: [
        ...(natGateways > 0
          ? [{ name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 }]
          : []),
        { name: 'app', subnetType, cidrMask: 20 },
      ],
      flowLogs: {
        all: {
          destination: FlowLogDestination.toCloudWatchLogs(flowLogGroup),
          trafficType: FlowLogTrafficType.ALL,
        },
      },
    });
    this.appSubnets = { subnetGroupName: 'app' };

    this.functionsSecurityGroup = this.group('Functions', 'Lambda functions of Happy OS', true);
    this.searchSecurityGroup = this.group('Search', 'OpenSearch domain of Happy OS', false);
    this.cacheSecurityGroup = this.group('Cache', 'ElastiCache replication group', false);
    const endpoints = this.group('Endpoints', 'Interface endpoints of the VPC', false);
    this.searchSecurityGroup.addIngressRule(this.functionsSecurityGroup, Port.tcp(443), 'HTTPS');
    this.cacheSecurityGroup.addIngressRule(
      this.functionsSecurityGroup,
      Port.tcp(props.cachePort),
      'Redis protocol over TLS',
    );
    endpoints.addIngressRule(this.functionsSecurityGroup, Port.tcp(443), 'AWS APIs');

    this.vpc.addGatewayEndpoint('S3', {
      service: GatewayVpcEndpointAwsService.S3,
      subnets: [this.appSubnets],
    });
    for (const [name, service] of [
      ['Sqs', InterfaceVpcEndpointAwsService.SQS],
      ['SecretsManager', InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
    ] as const) {
      this.vpc.addInterfaceEndpoint(name, {
        service,
        subnets: this.appSubnets,
        securityGroups: [endpoints],
        open: false,
        privateDnsEnabled: true,
      });
    }
  }

  private group(id: string, description: string, allowAllOutbound: boolean): SecurityGroup {
    // The functions' group allows all outbound traffic, because `http` tasks reach allow-listed
    // hosts on any port. The other groups only accept connections and never open any.
    return new SecurityGroup(this, `${id}SecurityGroup`, {
      vpc: this.vpc,
      description,
      allowAllOutbound,
    });
  }
}
