import { createLocalJWKSet, errors as joseErrors, importJWK, jwtVerify, SignJWT } from 'jose';
import type { JWTVerifyGetKey } from 'jose';
import type { SigningKeyProvider } from '../ports/index.js';
import { AuthenticationError } from './errors.js';

/** Issuer written into every token and required on verification. */
export const TOKEN_ISSUER = 'happy-os';
/** Audience written into every agent token. */
export const TOKEN_AUDIENCE = 'happy-os-api';

/** Claims Happy OS reads from a verified agent token. */
export interface AgentTokenClaims {
  readonly agentId: string;
  readonly tokenId: string;
  readonly issuedAt: number;
}

/** Options of {@link TokenService}. */
export interface TokenServiceOptions {
  /** Token lifetime in seconds. @default 30 days */
  readonly ttlSeconds?: number;
}

/**
 * Issues and verifies agent tokens: JWTs signed with an asymmetric key, so any node holding the
 * public keys can verify them offline.
 */
export class TokenService {
  private readonly keys: SigningKeyProvider;
  private readonly ttlSeconds: number;
  private keySet?: JWTVerifyGetKey;

  constructor(keys: SigningKeyProvider, options: TokenServiceOptions = {}) {
    this.keys = keys;
    this.ttlSeconds = options.ttlSeconds ?? 30 * 24 * 3600;
  }

  /** Signs a token whose subject is `agentId`. */
  async issue(agentId: string, tokenId: string): Promise<string> {
    const key = await this.keys.signingKey();
    const privateKey = await importJWK(key.privateJwk, key.alg);
    return new SignJWT({})
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(agentId)
      .setJti(tokenId)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(privateKey);
  }

  /**
   * Verifies signature, issuer, audience and expiry.
   *
   * @throws {AuthenticationError} `invalid_token` or `token_expired`.
   */
  async verify(token: string): Promise<AgentTokenClaims> {
    try {
      const { payload } = await jwtVerify(token, await this.getKeySet(), {
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
      });
      if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string') {
        throw new AuthenticationError('invalid_token', 'The token has no subject or token id.');
      }
      return { agentId: payload.sub, tokenId: payload.jti, issuedAt: payload.iat ?? 0 };
    } catch (error) {
      throw toAuthenticationError(error);
    }
  }

  private async getKeySet(): Promise<JWTVerifyGetKey> {
    if (!this.keySet) {
      const keys = await this.keys.verificationKeys();
      this.keySet = createLocalJWKSet({ keys: keys as never });
    }
    return this.keySet;
  }
}

function toAuthenticationError(error: unknown): AuthenticationError {
  if (error instanceof AuthenticationError) return error;
  const hint =
    'Send "Authorization: Bearer <token>" with the token returned when the agent was created.';
  if (error instanceof joseErrors.JWTExpired) {
    return new AuthenticationError('token_expired', 'The token has expired.', {
      field: 'header.authorization',
      hint: 'Ask an administrator for a new token.',
      cause: error,
    });
  }
  return new AuthenticationError('invalid_token', 'The token is invalid.', {
    field: 'header.authorization',
    hint,
    cause: error,
  });
}
