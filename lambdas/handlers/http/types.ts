import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';

/** An API Gateway HTTP API event, payload format 2.0. */
export type HttpEvent = APIGatewayProxyEventV2;
/** The structured result an HTTP API handler returns. */
export type HttpResult = APIGatewayProxyStructuredResultV2;
/** The Lambda context; the edge builds an equivalent one per request. */
export type LambdaContext = Context;

/** Name of the path that served a response, written into every JSON body as `service`. */
export type ServiceName = 'cloud' | 'edge';

/** Limits on request bodies, checked before any parsing. */
export interface RequestLimits {
  /** Largest accepted body in bytes. @default 262144 (256 KiB) */
  readonly maxBodyBytes: number;
  /** Deepest accepted JSON nesting; objects and arrays count one level each. @default 16 */
  readonly maxJsonDepth: number;
}

/** Default request limits. */
export const DEFAULT_REQUEST_LIMITS: RequestLimits = { maxBodyBytes: 256 * 1024, maxJsonDepth: 16 };
