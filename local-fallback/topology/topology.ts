import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { createRouter, type Router } from '../router/index.js';
import { loadOrCreateAdminToken, type AdminToken } from '../server/settings.js';
import { defaultKeyFile, FileSigningKeyProvider } from '../storage/index.js';
import { startNodeProcess, type NodeProcess } from './node-process.js';

/** Options of {@link startLocalTopology}. */
export interface LocalTopologyOptions {
  /** Folder of the admin token, the shared token key and each node's data. @default '.happy' */
  readonly home?: string;
  /** Port of the router. @default 8000 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * URL of a deployed cloud path (an API Gateway stage URL). When set, no local stand-in of the
   * cloud is started and the router sends primary traffic there.
   */
  readonly primaryUrl?: string;
  /** Admin token; read from or generated into `<home>/admin-token` when absent. */
  readonly adminToken?: string;
  readonly logger: Logger;
}

/** The running local topology: router, edge and (unless a URL was given) the cloud stand-in. */
export interface LocalTopology {
  readonly url: string;
  readonly router: Router;
  readonly edge: NodeProcess;
  /** The local stand-in of the cloud path, or null when the primary is a deployed API. */
  readonly cloud: NodeProcess | null;
  readonly primaryUrl: string;
  readonly adminToken: AdminToken;
  stop(): Promise<void>;
}

/**
 * Starts the full local topology: a stand-in for the cloud path (the same handlers behind the
 * same adapter, answering `"service": "cloud"`, on SQLite in its own folder), the edge service,
 * and the health router in front of both. The nodes share the admin token and the token key, so
 * a token issued by either is accepted by both.
 */
export async function startLocalTopology(options: LocalTopologyOptions): Promise<LocalTopology> {
  const home = resolve(options.home ?? '.happy');
  const adminToken: AdminToken = options.adminToken
    ? { value: options.adminToken, file: null, generated: false }
    : loadOrCreateAdminToken(home);
  // Create the shared key before the nodes start, so they never race to generate it.
  await new FileSigningKeyProvider({ keyFile: defaultKeyFile(home) }).signingKey();

  const common = { home, adminToken: adminToken.value, logger: options.logger };
  const [cloud, edge] = await Promise.all([
    options.primaryUrl
      ? Promise.resolve(null)
      : startNodeProcess({ ...common, service: 'cloud', nodeId: 'cloud-local' }),
    startNodeProcess({ ...common, service: 'edge', nodeId: 'edge' }),
  ]);
  const primaryUrl = options.primaryUrl ?? (cloud as NodeProcess).url;

  const router = createRouter(
    {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 8000,
      adminToken: adminToken.value,
      targets: { primary: { url: primaryUrl }, secondary: { url: edge.url } },
    },
    { logger: options.logger },
  );
  const address = await router.listen();
  const url = `http://${address.address}:${address.port}`;

  const stop = async () => {
    await router.close();
    await Promise.all([edge.stop(), cloud?.stop()]);
  };
  return { url, router, edge, cloud, primaryUrl, adminToken, stop };
}
