export { createRouter } from './router.js';
export type { Router, RouterOptions } from './router.js';
export { parseRouterConfig, routerConfigSchema } from './config.js';
export type {
  BreakerConfig,
  FailoverConfig,
  HealthCheckConfig,
  RouterConfig,
  RouterConfigInput,
  TargetConfig,
} from './config.js';
export { ROUTER_USAGE, loadRouterConfig } from './config-loader.js';
export type { ConfigSources, LoadedConfig } from './config-loader.js';
export { RouterConfigInvalidError, RouterError, RouterStateError } from './errors.js';
export type { ConfigProblem } from './errors.js';
export { RouterEvents } from './events.js';
export { FailoverPolicy } from './failover-policy.js';
export type { FailoverPolicyEvent, FailoverState, FailoverTimings } from './failover-policy.js';
export { faultRequestSchema } from './faults.js';
export type { Fault, FaultRequest } from './faults.js';
export { FAILOVER_HEADER, SERVED_BY_HEADER } from './headers.js';
export type { BreakerStatus, RouterStatus, TargetStatus } from './status.js';
export type {
  FailureKind,
  RecoveryGate,
  RecoveryGateResult,
  RouterEvent,
  RouterEventType,
  TargetFailure,
  TargetRole,
} from './types.js';
