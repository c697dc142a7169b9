import {
  ApiMapping,
  DomainName,
  SecurityPolicy,
  type IHttpApi,
} from 'aws-cdk-lib/aws-apigatewayv2';
import type { IHttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate, CertificateValidation } from 'aws-cdk-lib/aws-certificatemanager';
import { ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayv2DomainProperties } from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import type { FailoverConfig } from '../config/index.js';

/** Properties of {@link ApiDomains}. */
export interface ApiDomainsProps {
  readonly failover: FailoverConfig;
  readonly api: IHttpApi;
  readonly stage: IHttpStage;
}

/**
 * The API's custom domains, so that clients can reach it by the failover name and the health
 * check by a name of its own:
 *
 * - `failoverDomain`, the name clients use. Route 53 points it at the API while the API is
 *   healthy, so the API must accept requests and present a certificate for that name.
 * - `cloudDomain`, the API alone, with an alias record; the Route 53 health check probes it.
 *
 * One ACM certificate, validated through DNS in the hosted zone, covers both. Both domains
 * accept TLS 1.2 or later only.
 */
export class ApiDomains extends Construct {
  readonly certificate: Certificate;

  constructor(scope: Construct, id: string, props: ApiDomainsProps) {
    super(scope, id);
    const { failover } = props;
    const zone = HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: failover.hostedZoneId,
      zoneName: failover.hostedZoneName,
    });
    this.certificate = new Certificate(this, 'Certificate', {
      domainName: failover.failoverDomain,
      subjectAlternativeNames: [failover.cloudDomain],
      validation: CertificateValidation.fromDns(zone),
    });

    const domains = { Failover: failover.failoverDomain, Cloud: failover.cloudDomain };
    for (const [name, domainName] of Object.entries(domains)) {
      const domain = new DomainName(this, `${name}Domain`, {
        domainName,
        certificate: this.certificate,
        securityPolicy: SecurityPolicy.TLS_1_2,
      });
      new ApiMapping(this, `${name}Mapping`, {
        api: props.api,
        domainName: domain,
        stage: props.stage,
      });
      if (name === 'Cloud') {
        new ARecord(this, 'CloudRecord', {
          zone,
          recordName: domainName,
          target: RecordTarget.fromAlias(
            new ApiGatewayv2DomainProperties(
              domain.regionalDomainName,
              domain.regionalHostedZoneId,
            ),
          ),
        });
      }
    }
  }
}
