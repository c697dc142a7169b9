import {
  checkOpenSearchDomain,
  describeReplicationGroup,
  failoverReplicationGroup,
  readReservedConcurrency,
  stageFunctionNames,
  throttleFunctions,
  type AwsClients,
  type AwsSettings,
} from './aws-faults.js';
import { FaultNotAvailableError } from './errors.js';
import { injectChaosRule, readChaosRules } from './localstack-chaos.js';
import type { ActiveFault, DependencyFaults } from './fault-types.js';
import type { DrillHttp } from './http.js';
import type { UndoJournal } from './journal.js';
import { staticUnavailability, type DependencyName } from './options.js';

/** Settings of {@link LocalDependencyFaults}: addresses and token of the local topology. */
export interface LocalDependencyFaultsOptions {
  /** URL of the cloud stand-in itself, not the router. */
  readonly standInUrl: string;
  readonly adminToken: string;
  readonly http: DrillHttp;
}

/** Stand-in dependency names of the drill's dependency faults; `lambda` has none locally. */
const STAND_IN_DEPENDENCY: Partial<Record<DependencyName, string>> = {
  opensearch: 'opensearch',
  elasticache: 'elasticache',
  s3: 's3',
};

/**
 * Dependency faults of the local target. The cloud stand-in on the cloud adapters reaches its
 * engines through TCP proxies, and `/stand-in/faults` makes one of them reset every connection,
 * so the fault crosses the real adapters, their timeouts and breakers. The stand-in's faults end
 * with its process, so they need no journal entry.
 */
export class LocalDependencyFaults implements DependencyFaults {
  constructor(private readonly options: LocalDependencyFaultsOptions) {}

  async unavailableReason(dependency: DependencyName): Promise<string | null> {
    return staticUnavailability('local', dependency);
  }

  async inject(dependency: DependencyName): Promise<ActiveFault> {
    const reason = await this.unavailableReason(dependency);
    const name = STAND_IN_DEPENDENCY[dependency];
    if (reason !== null || name === undefined) {
      throw new FaultNotAvailableError(
        `--fault ${dependency} is not available on --target local: ${reason ?? 'no such engine'}`,
      );
    }
    const { standInUrl, adminToken, http } = this.options;
    const added = await http.send(standInUrl, 'POST', '/stand-in/faults', {
      token: adminToken,
      body: { dependency: name, mode: 'down' },
    });
    if (added.status !== 201) {
      throw new FaultNotAvailableError(
        `The cloud stand-in rejected the ${dependency} fault with status ${added.status}: ` +
          `${JSON.stringify(added.json)}`,
      );
    }
    return {
      description: `connections from the cloud stand-in to ${name} reset`,
      clear: async () => {
        await http.send(standInUrl, 'DELETE', `/stand-in/faults/${name}`, { token: adminToken });
      },
    };
  }

  async describe(): Promise<Record<string, unknown>> {
    const { standInUrl, adminToken, http } = this.options;
    const listed = await http.send(standInUrl, 'GET', '/stand-in/faults', { token: adminToken });
    return { stand_in_faults: listed.status === 200 ? listed.json?.faults : null };
  }
}

/** Settings of {@link AwsDependencyFaults}. */
export interface AwsDependencyFaultsOptions {
  readonly target: 'localstack' | 'aws';
  /** Stage of the deployed stacks, which names the functions, the domain and the cache. */
  readonly stage: string;
  readonly settings: AwsSettings;
  readonly clients: AwsClients;
  readonly journal: UndoJournal;
  readonly http: DrillHttp;
}

/**
 * Dependency faults of a stack deployed to AWS or LocalStack, through the AWS APIs: reserved
 * concurrency 0 on the functions (`lambda`), TestFailover of the cache (`elasticache`), and on
 * LocalStack, error rules of its chaos endpoint for `opensearch` and `s3`.
 *
 * NOTE: whether LocalStack's chaos rules reach the OpenSearch data plane behind the domain
 * endpoint, and whether LocalStack throttles a function with reserved concurrency 0, has not been
 * tried here: these machines have no Docker and no LocalStack auth token.
 */
export class AwsDependencyFaults implements DependencyFaults {
  private readonly domain: string;

  constructor(private readonly options: AwsDependencyFaultsOptions) {
    this.domain = `happy-os-${options.stage}`;
  }

  async unavailableReason(dependency: DependencyName): Promise<string | null> {
    const fixed = staticUnavailability(this.options.target, dependency);
    if (fixed !== null) return fixed;
    switch (dependency) {
      case 'lambda':
        return this.missingFunction();
      case 'elasticache': {
        const group = await describeReplicationGroup(this.options.clients.elasticache, this.domain);
        return group
          ? null
          : `ElastiCache replication group ${this.domain} was not found; check --stage and --aws-region`;
      }
      case 'opensearch':
      case 's3':
        return this.chaosUnavailable();
    }
  }

  async inject(dependency: DependencyName): Promise<ActiveFault> {
    const reason = await this.unavailableReason(dependency);
    if (reason !== null) {
      throw new FaultNotAvailableError(
        `--fault ${dependency} is not available on --target ${this.options.target}: ${reason}`,
      );
    }
    const { clients, settings, journal, http } = this.options;
    switch (dependency) {
      case 'lambda':
        return throttleFunctions(
          clients,
          settings,
          stageFunctionNames(this.options.stage),
          journal,
        );
      case 'elasticache':
        return failoverReplicationGroup(clients, settings, this.domain, journal);
      case 'opensearch':
      case 's3':
        return injectChaosRule(
          http,
          settings.endpoint as string,
          {
            service: dependency,
            region: settings.region,
            error: { statusCode: 503, code: 'ServiceUnavailable' },
          },
          journal,
        );
    }
  }

  async describe(): Promise<Record<string, unknown>> {
    try {
      return {
        opensearch_domain: await checkOpenSearchDomain(
          this.options.clients.opensearch,
          this.domain,
        ),
      };
    } catch (error) {
      return { opensearch_domain: { domain: this.domain, error: (error as Error).message } };
    }
  }

  private async missingFunction(): Promise<string | null> {
    for (const name of stageFunctionNames(this.options.stage)) {
      try {
        await readReservedConcurrency(this.options.clients.lambda, name);
      } catch (error) {
        if ((error as Error).name !== 'ResourceNotFoundException') throw error;
        return `Lambda function ${name} was not found; check --stage and --aws-region`;
      }
    }
    return null;
  }

  private async chaosUnavailable(): Promise<string | null> {
    const endpoint = this.options.settings.endpoint as string;
    const rules = await readChaosRules(this.options.http, endpoint);
    if (rules !== null) return null;
    return `LocalStack's chaos endpoint at ${endpoint}/_localstack/chaos/faults did not respond; it needs a LocalStack edition with the Chaos API`;
  }
}
