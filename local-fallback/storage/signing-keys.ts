import { randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import type { Jwk, SigningKey, SigningKeyProvider } from '../../lambdas/ports/index.js';

/** Algorithm of generated keys: Ed25519 signatures, small and fast to verify. */
const ALGORITHM = 'EdDSA';

/** Options of {@link FileSigningKeyProvider}. */
export interface FileSigningKeyOptions {
  /** File holding the private key as a JWK; created with mode 0600 when missing. */
  readonly keyFile: string;
  /** Further public keys whose tokens are accepted, such as the cloud's. @default [] */
  readonly trustedKeys?: Jwk[];
}

/**
 * Token keys kept in a file: the key is generated at first start and reused afterwards, so
 * tokens stay valid across restarts. Nodes that should accept each other's tokens share the file
 * or list each other's public keys in `trustedKeys`.
 */
export class FileSigningKeyProvider implements SigningKeyProvider {
  private key?: Promise<SigningKey>;

  constructor(private readonly options: FileSigningKeyOptions) {}

  async signingKey(): Promise<SigningKey> {
    this.key ??= loadOrCreate(this.options.keyFile);
    return this.key;
  }

  async verificationKeys(): Promise<Jwk[]> {
    const own = (await this.signingKey()).publicJwk;
    return [own, ...(this.options.trustedKeys ?? [])];
  }
}

/** Returns the default key file of a data folder. */
export function defaultKeyFile(dataDir: string): string {
  return join(dataDir, 'keys', 'token-signing.jwk.json');
}

async function loadOrCreate(keyFile: string): Promise<SigningKey> {
  if (!existsSync(keyFile)) await createKeyFile(keyFile);
  const privateJwk = JSON.parse(readFileSync(keyFile, 'utf8')) as Jwk;
  if (typeof privateJwk.kid !== 'string' || typeof privateJwk.d !== 'string') {
    throw new Error(
      `Key file ${keyFile} contains no private JWK with a kid. Delete the file to generate a new key.`,
    );
  }
  const { d: _private, ...publicJwk } = privateJwk;
  return { kid: privateJwk.kid, alg: ALGORITHM, privateJwk, publicJwk };
}

async function createKeyFile(keyFile: string): Promise<void> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { crv: 'Ed25519', extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: ALGORITHM, use: 'sig' };
  mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
  // Write a temporary file, then link it into place: a crash never leaves a half-written key,
  // and when two processes sharing a home start at once, the link of the second fails and it
  // uses the first one's key instead of replacing it.
  const temporary = `${keyFile}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(temporary, JSON.stringify(jwk), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, keyFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}
