import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CACHE_PORT } from '../../lib/constructs/cache-cluster.js';
import { keyStatementsFor, SYNTH_TIMEOUT_MS, synthHappyOs } from './support.js';

const STATEFUL_TYPES = [
  'AWS::OpenSearchService::Domain',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::S3::Bucket',
  'AWS::SQS::Queue',
  'AWS::SecretsManager::Secret',
  'AWS::KMS::Key',
];

describe('DataStack', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('secures and spreads the OpenSearch domain', () => {
    const { stacks, template } = synthHappyOs();
    const data = template(stacks.data);

    data.hasResourceProperties('AWS::OpenSearchService::Domain', {
      EncryptionAtRestOptions: { Enabled: true, KmsKeyId: Match.anyValue() },
      NodeToNodeEncryptionOptions: { Enabled: true },
      DomainEndpointOptions: {
        EnforceHTTPS: true,
        TLSSecurityPolicy: 'Policy-Min-TLS-1-2-PFS-2023-10',
      },
      ClusterConfig: Match.objectLike({
        ZoneAwarenessEnabled: true,
        ZoneAwarenessConfig: { AvailabilityZoneCount: 3 },
        DedicatedMasterEnabled: true,
        DedicatedMasterCount: 3,
        InstanceCount: 3,
      }),
      VPCOptions: { SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() },
      LogPublishingOptions: {
        SEARCH_SLOW_LOGS: Match.objectLike({ Enabled: true }),
        INDEX_SLOW_LOGS: Match.objectLike({ Enabled: true }),
        ES_APPLICATION_LOGS: Match.objectLike({ Enabled: true }),
      },
    });
    const domain = Object.values(data.findResources('AWS::OpenSearchService::Domain'))[0];
    expect(domain?.Properties.VPCOptions.SubnetIds).toHaveLength(3);
  });

  it('lets the account IAM policies open the domain, nobody anonymously', () => {
    const { stacks, template } = synthHappyOs();
    const domains = template(stacks.data).findResources('AWS::OpenSearchService::Domain');
    const policy = Object.values(domains)[0]?.Properties.AccessPolicies;

    expect(policy.Statement).toHaveLength(1);
    expect(JSON.stringify(policy.Statement[0].Principal)).not.toContain('"*"');
    expect(JSON.stringify(policy.Statement[0].Principal)).toContain(':root');
  });

  it('runs the cache with TLS, auth and automatic failover', () => {
    const { stacks, template } = synthHappyOs();
    const data = template(stacks.data);

    data.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'valkey',
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AtRestEncryptionEnabled: true,
      KmsKeyId: Match.anyValue(),
      AuthToken: Match.objectLike({
        'Fn::Join': Match.arrayWith([
          Match.arrayWith([Match.stringLikeRegexp('resolve:secretsmanager')]),
        ]),
      }),
      Port: CACHE_PORT,
      LogDeliveryConfigurations: Match.arrayWith([Match.objectLike({ LogType: 'slow-log' })]),
    });
  });

  it('keeps files private, encrypted, versioned and TLS-only', () => {
    const { stacks, template } = synthHappyOs();
    const data = template(stacks.data);

    data.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }),
          }),
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'files/' }),
    });
    const policies = Object.values(data.findResources('AWS::S3::BucketPolicy'));
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('versions the access logs and expires their old versions', () => {
    const { stacks, template } = synthHappyOs();
    const buckets = template(stacks.data).findResources('AWS::S3::Bucket');
    const logsId = stacks.data.getLogicalId(
      stacks.data.files.accessLogs.node.defaultChild as never,
    );
    const properties = buckets[logsId]?.Properties;

    expect(properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(properties.LifecycleConfiguration.Rules).toEqual([
      { ExpirationInDays: 90, Status: 'Enabled' },
      {
        ExpiredObjectDeleteMarker: true,
        NoncurrentVersionExpiration: { NoncurrentDays: 7 },
        Status: 'Enabled',
      },
    ]);
  });

  it('encrypts the OpenSearch log groups with the logs key', () => {
    const { stacks, template } = synthHappyOs();
    const logsKeyId = stacks.data.getLogicalId(stacks.data.logsKey.node.defaultChild as never);
    const groups = Object.entries(template(stacks.data).findResources('AWS::Logs::LogGroup'));

    const searchGroups = groups.filter(([id]) => id.startsWith('Search'));
    expect(searchGroups).toHaveLength(3);
    for (const [id, group] of searchGroups) {
      expect(group.Properties.KmsKeyId, id).toEqual({ 'Fn::GetAtt': [logsKeyId, 'Arn'] });
    }
  });

  it('limits the logs key to regional log groups', () => {
    const { stacks, template } = synthHappyOs();
    const statements = keyStatementsFor(template(stacks.data), 'logs.eu-west-1.amazonaws.com');

    expect(statements).toHaveLength(1);
    expect(statements[0]?.Condition).toEqual({
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': {
          'Fn::Join': ['', ['arn:aws:logs:eu-west-1:', { Ref: 'AWS::AccountId' }, ':log-group:*']],
        },
      },
    });
  });

  it('encrypts the task queue and gives it a dead-letter queue', () => {
    const { stacks, template } = synthHappyOs();
    const data = template(stacks.data);
    const queues = Object.values(data.findResources('AWS::SQS::Queue'));

    expect(queues).toHaveLength(2);
    for (const queue of queues) expect(queue.Properties.KmsMasterKeyId).toBeDefined();
    data.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 3 },
      VisibilityTimeout: 720,
    });
  });

  it('retains every stateful resource', () => {
    const { stacks, template } = synthHappyOs();
    const data = template(stacks.data);

    for (const type of STATEFUL_TYPES) {
      const resources = Object.entries(data.findResources(type));
      expect(resources.length, type).toBeGreaterThan(0);
      for (const [id, resource] of resources) {
        expect(resource.DeletionPolicy, `${type} ${id}`).toBe('Retain');
      }
    }
  });
});
