import type { App, Environment } from 'aws-cdk-lib';
import { ApiStack } from './api-stack.js';
import type { HappyOsConfig } from './config/index.js';
import { DataStack } from './data-stack.js';
import { FailoverStack } from './failover-stack.js';
import { NetworkStack } from './network-stack.js';
import { ObservabilityStack } from './observability-stack.js';

/** The stacks of one installation. */
export interface HappyOsStacks {
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly api: ApiStack;
  readonly observability: ObservabilityStack;
  /** The failover stack, present only with failover settings. */
  readonly failover?: FailoverStack;
}

/**
 * Route 53 publishes health check metrics only in us-east-1, so the health check's alarm, and
 * therefore the failover stack, live there whatever the region of the other stacks.
 */
export const FAILOVER_REGION = 'us-east-1';

const CROSS_STACK_REFERENCES_FLAG = '@aws-cdk/core:defaultCrossStackReferences';

/**
 * Creates the stacks of one installation in `app`, named `HappyOs-<stage>-<Part>`. Stateful
 * resources have a stack of their own (`Data`), so the others can be replaced or deleted
 * without touching data.
 */
export function createHappyOsStacks(app: App, config: HappyOsConfig): HappyOsStacks {
  if (config.target === 'localstack') {
    // NOTE: the cdk.json flag makes references between stacks Fn::GetStackOutput, and whether
    // LocalStack resolves that is unchecked. Fn::ImportValue is the long-standing form. Context
    // must be set before the first stack exists.
    app.node.setContext(CROSS_STACK_REFERENCES_FLAG, 'strong');
  }
  const env: Environment = {
    region: config.region,
    ...(config.account ? { account: config.account } : {}),
  };
  const prefix = `HappyOs-${config.stage}`;
  const network = new NetworkStack(app, `${prefix}-Network`, {
    env,
    config,
    description: 'Happy OS: VPC, endpoints and security groups',
  });
  const data = new DataStack(app, `${prefix}-Data`, {
    env,
    config,
    network: network.network,
    description: 'Happy OS: OpenSearch, cache, files, task queue and secrets (retained)',
  });
  const api = new ApiStack(app, `${prefix}-Api`, {
    env,
    config,
    network: network.network,
    data,
    description: 'Happy OS: Lambda functions, their deployments and the API',
  });
  const failover = config.failover
    ? new FailoverStack(app, `${prefix}-Failover`, {
        env: { ...env, region: FAILOVER_REGION },
        failover: config.failover,
        alarmEmail: config.alarmEmail,
        crossRegionReferences: config.region !== FAILOVER_REGION,
        description: 'Happy OS: Route 53 health check and failover records',
      })
    : undefined;
  if (failover) failover.addStackDependency(api, 'the health check probes the API custom domain');
  const observability = new ObservabilityStack(app, `${prefix}-Observability`, {
    env,
    config,
    data,
    api,
    ...(failover ? { healthCheckId: failover.healthCheckId } : {}),
    crossRegionReferences: failover !== undefined && config.region !== FAILOVER_REGION,
    description: 'Happy OS: dashboard, alarms and their SNS topic',
  });
  return { network, data, api, observability, ...(failover ? { failover } : {}) };
}
