import { FaultError, FaultNotAvailableError } from './errors.js';
import type { ActiveFault, FaultDriver } from './fault-types.js';
import type { DrillHttp } from './http.js';
import type { UndoJournal } from './journal.js';
import { DEPENDENCIES, type DependencyName, type FaultName } from './options.js';
import type { DrillTarget } from './targets.js';

/** Latency the `latency` fault adds to every request to the primary, in milliseconds. */
export const LATENCY_FAULT_MS = 2000;
/** Share of requests to the primary that the `error-rate` fault fails with 503. */
export const ERROR_RATE = 0.5;
/** Time a router fault outlives the drill's own end, in case the drill dies before removing it. */
const ROUTER_FAULT_GRACE_S = 60;

/** Context of {@link createFaultDriver}. */
export interface FaultContext {
  readonly target: DrillTarget;
  readonly http: DrillHttp;
  readonly journal: UndoJournal;
  /** Outage plus recovery time, so a router fault ends by itself soon after the drill. */
  readonly remainingMs: number;
}

/**
 * Returns the driver of `fault` on the context's target. Router faults (`primary-down`,
 * `latency`, `error-rate`) go through the router's admin API, `primary-crash` kills the local
 * cloud process and starts it again, and dependency faults go to the target's
 * {@link DependencyFaults}.
 *
 * `latency` adds {@link LATENCY_FAULT_MS}, longer than the router's health check timeout, so the
 * router must fail over. `error-rate` fails {@link ERROR_RATE} of the requests, which the router
 * may ride out by retrying safe requests without a flip.
 */
export function createFaultDriver(fault: FaultName, context: FaultContext): FaultDriver {
  switch (fault) {
    case 'primary-down':
      return routerFault(fault, true, { fault: 'down' }, context);
    case 'latency':
      return routerFault(fault, true, { fault: 'latency', latency_ms: LATENCY_FAULT_MS }, context);
    case 'error-rate':
      return routerFault(fault, false, { fault: 'error', error_rate: ERROR_RATE }, context);
    case 'primary-crash':
      return crashFault(context.target);
    default:
      return dependencyFault(fault, context.target);
  }
}

function routerFault(
  name: FaultName,
  expectsFailover: boolean,
  request: Record<string, unknown>,
  { target, http, journal, remainingMs }: FaultContext,
): FaultDriver {
  const durationS = Math.ceil(remainingMs / 1000) + ROUTER_FAULT_GRACE_S;
  const send = (method: 'POST' | 'DELETE', path: string, body?: unknown) =>
    http.send(target.apiUrl, method, path, { token: target.adminToken, body });
  return {
    name,
    expectsFailover,
    async inject(): Promise<ActiveFault> {
      // A local router lives in this process, so its faults end with it and need no journal.
      const seq =
        target.topology === null
          ? journal.record({
              kind: 'router-fault',
              routerUrl: target.apiUrl,
              fault: String(request.fault),
              expiresAt: new Date(Date.now() + durationS * 1000).toISOString(),
            })
          : null;
      const created = await send('POST', '/router/faults', {
        target: 'primary',
        ...request,
        duration_s: durationS,
      });
      if (created.status !== 201) {
        if (seq !== null) journal.markUndone(seq);
        throw new FaultError(
          `POST /router/faults returned ${created.status || created.error}: ${created.json?.detail ?? ''}`,
        );
      }
      const id = String(created.json.id);
      if (seq !== null) journal.note(seq, { fault_id: id });
      return {
        description: `router fault ${String(request.fault)} on the primary (${id})`,
        clear: async () => {
          const removed = await send('DELETE', `/router/faults/${encodeURIComponent(id)}`);
          if (removed.status !== 204 && removed.status !== 404) {
            throw new FaultError(
              `DELETE /router/faults/${id} returned ${removed.status || removed.error}.`,
            );
          }
          if (seq !== null) journal.markUndone(seq);
        },
      };
    },
  };
}

function crashFault(target: DrillTarget): FaultDriver {
  return {
    name: 'primary-crash',
    expectsFailover: true,
    async inject(): Promise<ActiveFault> {
      const topology = target.topology;
      if (!topology?.cloud)
        throw new FaultNotAvailableError('primary-crash needs the local cloud process.');
      const pid = topology.cloud.child.pid;
      await topology.cloud.stop('SIGKILL');
      return {
        description: `SIGKILL of the cloud stand-in (pid ${pid}), started again on recovery`,
        clear: async () => {
          await topology.restartCloud();
        },
      };
    },
  };
}

function dependencyFault(fault: FaultName, target: DrillTarget): FaultDriver {
  if (!(DEPENDENCIES as readonly string[]).includes(fault)) {
    throw new TypeError(`Unknown fault ${fault}.`);
  }
  const dependency = fault as DependencyName;
  return {
    name: fault,
    // A failing OpenSearch makes /health unhealthy and throttled functions return only errors, so the
    // router flips; a cache failover or failing S3 only degrades the cloud path.
    expectsFailover: dependency === 'opensearch' || dependency === 'lambda',
    inject: () => target.dependencies.inject(dependency),
  };
}
