/** A JSON Web Key, as jose imports and exports it. */
export type Jwk = Record<string, unknown> & { kid?: string; kty?: string };

/** The key pair that signs agent tokens. */
export interface SigningKey {
  /** Key id, written into each token's header. */
  readonly kid: string;
  /** JWS algorithm, such as `EdDSA`. */
  readonly alg: string;
  readonly privateJwk: Jwk;
  readonly publicJwk: Jwk;
}

/**
 * Source of token keys. The cloud keeps the private key in a secret store; the edge holds only
 * what it needs to verify tokens offline, plus a key of its own when it issues tokens.
 */
export interface SigningKeyProvider {
  /** Returns the key used to sign new tokens. */
  signingKey(): Promise<SigningKey>;
  /** Returns every public key whose tokens are accepted. */
  verificationKeys(): Promise<Jwk[]>;
}
