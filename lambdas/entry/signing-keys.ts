import type { Jwk, SigningKey, SigningKeyProvider } from '../ports/index.js';
import { SecretReadError, type SecretValues } from './secrets.js';

/** Algorithm of the token keys: Ed25519 signatures, as the edge generates them. */
const ALGORITHM = 'EdDSA';

/**
 * Token keys from the node's `signingKey` secret: the Ed25519 private JWK with a `kid` that the
 * edge generated, so cloud and edge sign and verify with the same key. The parsed key is kept
 * while the secret's value stays the same.
 */
export class SecretSigningKeyProvider implements SigningKeyProvider {
  private parsed?: { readonly raw: string; readonly key: SigningKey };

  constructor(private readonly secrets: SecretValues) {}

  /**
   * @throws {SecretReadError} when the node has no signing key secret, or the secret contains
   *   no private JWK with a `kid`.
   */
  async signingKey(): Promise<SigningKey> {
    const raw = await this.secrets.get('signingKey');
    if (raw === undefined) {
      throw new SecretReadError(
        'This function has no token signing key: SIGNING_KEY_SECRET_ARN is not set.',
      );
    }
    if (this.parsed?.raw !== raw) this.parsed = { raw, key: parseKey(raw) };
    return this.parsed.key;
  }

  async verificationKeys(): Promise<Jwk[]> {
    return [(await this.signingKey()).publicJwk];
  }
}

function parseKey(raw: string): SigningKey {
  let jwk: Jwk | undefined;
  try {
    jwk = JSON.parse(raw) as Jwk;
  } catch {
    jwk = undefined;
  }
  if (typeof jwk?.kid !== 'string' || typeof jwk.d !== 'string' || jwk.kty !== 'OKP') {
    // The value is never quoted: it is a private key, or a placeholder for one.
    throw new SecretReadError(
      'The token signing key secret is invalid: it contains no Ed25519 private JWK with a ' +
        `"kid". Store the edge's key file (<home>/keys/token-signing.jwk.json) in it, as the ` +
        'README shows.',
    );
  }
  const { d: _private, ...publicJwk } = jwk;
  return { kid: jwk.kid, alg: ALGORITHM, privateJwk: jwk, publicJwk };
}
