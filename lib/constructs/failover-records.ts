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

/**
 * Text the Route 53 health check looks for in the body of the cloud's `GET /health`. That body
 * ends with this field, as `JSON.stringify` writes it, whether its status is `healthy` or
 * `degraded` (a cache, queue or bucket down, still served with 200). A 503 fails the check by
 * its status code alone. Error pages of API Gateway or of a proxy lack the field, and the edge
 * writes `"service":"edge"`.
 */
export const HEALTH_CHECK_SEARCH_STRING = '"service":"cloud"';

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
 * `https://<cloudDomain>/health` every 10 s and expects a 2xx or 3xx status with
 * {@link HEALTH_CHECK_SEARCH_STRING} in the first 5,120 bytes of the body. While that check
 * passes, the PRIMARY CNAME record of `failoverDomain` points at the API, and otherwise the
 * SECONDARY record points at the edge.
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
      searchString: HEALTH_CHECK_SEARCH_STRING,
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
