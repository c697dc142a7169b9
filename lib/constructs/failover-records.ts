import { Duration } from 'aws-cdk-lib';
import {
  CnameRecord,
  Failover,
  HealthCheck,
  HealthCheckType,
  HostedZone,
} from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import type { FailoverConfig } from '../config/index.js';

/** Properties of {@link FailoverRecords}. */
export interface FailoverRecordsProps {
  readonly failover: FailoverConfig;
  /**
   * Time resolvers may cache a record. Clients also fail over inside the health router, so DNS
   * only has to catch up within a minute or so.
   * @default 30 seconds
   */
  readonly ttl?: Duration;
}

/**
 * DNS failover between the cloud and the edge. A Route 53 health check probes
 * `https://<cloudDomain>/health` every 10 s and expects `"healthy"` in the body. While that
 * check passes, the PRIMARY CNAME record of `failoverDomain` points at the API, and otherwise
 * the SECONDARY record points at the edge.
 *
 * With 10 s between probes and 3 failures in a row, Route 53 marks the API unhealthy about 30 s
 * after it fails. Resolvers pick up the edge once `ttl` has passed after that.
 */
export class FailoverRecords extends Construct {
  readonly healthCheck: HealthCheck;

  constructor(scope: Construct, id: string, props: FailoverRecordsProps) {
    super(scope, id);
    const { failover } = props;
    const ttl = props.ttl ?? Duration.seconds(30);
    const zone = HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: failover.hostedZoneId,
      zoneName: failover.hostedZoneName,
    });
    this.healthCheck = new HealthCheck(this, 'HealthCheck', {
      type: HealthCheckType.HTTPS_STR_MATCH,
      fqdn: failover.cloudDomain,
      port: 443,
      resourcePath: '/health',
      // With the quotes, "unhealthy" in a body does not match.
      searchString: '"healthy"',
      requestInterval: Duration.seconds(10),
      failureThreshold: 3,
      enableSNI: true,
      measureLatency: true,
    });
    new CnameRecord(this, 'Primary', {
      zone,
      recordName: failover.failoverDomain,
      domainName: failover.cloudDomain,
      ttl,
      setIdentifier: 'cloud',
      failover: Failover.PRIMARY,
      healthCheck: this.healthCheck,
    });
    new CnameRecord(this, 'Secondary', {
      zone,
      recordName: failover.failoverDomain,
      domainName: failover.edgeEndpoint,
      ttl,
      setIdentifier: 'edge',
      failover: Failover.SECONDARY,
    });
  }
}
