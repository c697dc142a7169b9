import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { RouteDefinition } from '../../lambdas/handlers/routes.js';

/** Paths anyone may call: the health check, the breaker report and the OpenAPI document. */
const PUBLIC_PATHS = new Set(['/health', '/circuit-breakers', '/docs']);

/**
 * Acknowledges, on one route or method, that API Gateway runs no authorizer for it, with the
 * reason that fits the route: public routes are meant for anyone, and the others check tokens in
 * the handler, because the edge must check the very same tokens offline.
 */
export function acknowledgeHandlerAuth(
  construct: IConstruct,
  route: RouteDefinition,
  ruleIds: readonly string[],
): void {
  const reason = PUBLIC_PATHS.has(route.path)
    ? `${route.method} ${route.path} is public: health checks and clients call it without a token.`
    : `${route.method} ${route.path} checks an EdDSA agent or admin token in its handler, which ` +
      'the edge runs too; an API Gateway authorizer would not exist at the edge.';
  for (const id of ruleIds) Validations.of(construct).acknowledge({ id, reason });
}
