import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { HappyOsConfig } from './config/index.js';
import { AppNetwork } from './constructs/app-network.js';
import { CACHE_PORT } from './constructs/cache-cluster.js';

/** Properties of {@link NetworkStack}. */
export interface NetworkStackProps extends StackProps {
  readonly config: HappyOsConfig;
}

/** The VPC, its endpoints and the security groups of the cloud path. */
export class NetworkStack extends Stack {
  readonly network: AppNetwork;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    this.network = new AppNetwork(this, 'Network', {
      availabilityZones: props.config.availabilityZones,
      natGateways: props.config.natGateways,
      cachePort: CACHE_PORT,
      logRetention: props.config.logRetentionDays,
    });
  }
}
