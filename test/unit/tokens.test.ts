import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  AgentService,
  AuthenticationError,
  createIdGenerator,
  HybridLogicalClock,
  ResourceConflictError,
  TokenService,
} from '../../lambdas/core/index.js';
import { openDatabase } from '../../local-fallback/storage/database.js';
import { FileSigningKeyProvider, SqliteAgentRegistry } from '../../local-fallback/storage/index.js';

function keyProvider(): FileSigningKeyProvider {
  const dir = mkdtempSync(join(tmpdir(), 'happy-keys-'));
  return new FileSigningKeyProvider({ keyFile: join(dir, 'key.json') });
}

describe('TokenService', () => {
  it('verifies a token it issued', async () => {
    const tokens = new TokenService(keyProvider());
    const claims = await tokens.verify(await tokens.issue('agent-a', 'token-1'));
    expect(claims.agentId).toBe('agent-a');
    expect(claims.tokenId).toBe('token-1');
  });

  it('rejects a token signed by another key', async () => {
    const token = await new TokenService(keyProvider()).issue('agent-a', 'token-1');
    await expect(new TokenService(keyProvider()).verify(token)).rejects.toBeInstanceOf(
      AuthenticationError,
    );
  });

  it('accepts a token of a trusted public key', async () => {
    const issuer = keyProvider();
    const trustedKeys = [(await issuer.signingKey()).publicJwk];
    const verifier = new FileSigningKeyProvider({
      keyFile: join(mkdtempSync(join(tmpdir(), 'happy-keys-')), 'key.json'),
      trustedKeys,
    });
    const token = await new TokenService(issuer).issue('agent-a', 'token-1');
    await expect(new TokenService(verifier).verify(token)).resolves.toMatchObject({
      agentId: 'agent-a',
    });
  });

  it('rejects an expired token with its own code', async () => {
    const keys = keyProvider();
    const tokens = new TokenService(keys, { ttlSeconds: -10 });
    const error = await tokens.verify(await tokens.issue('agent-a', 't')).catch((e) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.code).toBe('token_expired');
  });

  it('rejects a token with the none algorithm', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ iss: 'happy-os', aud: 'happy-os-api', sub: 'agent-a', jti: 'x' }),
    ).toString('base64url');
    const forged = `${header}.${payload}.`;
    await expect(new TokenService(keyProvider()).verify(forged)).rejects.toBeInstanceOf(
      AuthenticationError,
    );
  });

  it('keeps the key across provider instances on the same file', async () => {
    const keyFile = join(mkdtempSync(join(tmpdir(), 'happy-keys-')), 'key.json');
    const token = await new TokenService(new FileSigningKeyProvider({ keyFile })).issue('a', 't');
    const restarted = new TokenService(new FileSigningKeyProvider({ keyFile }));
    await expect(restarted.verify(token)).resolves.toMatchObject({ agentId: 'a' });
  });
});

describe('AgentService', () => {
  let agents: AgentService;

  beforeEach(() => {
    agents = new AgentService({
      registry: new SqliteAgentRegistry(openDatabase(':memory:')),
      tokens: new TokenService(keyProvider()),
      clock: new HybridLogicalClock('test'),
      ids: createIdGenerator(),
    });
  });

  it('authenticates the token of a new agent', async () => {
    const { token } = await agents.create('agent-a', 'A');
    expect((await agents.authenticate(token)).agentId).toBe('agent-a');
  });

  it('rejects a second agent with the same id', async () => {
    await agents.create('agent-a', 'A');
    await expect(agents.create('agent-a', 'B')).rejects.toBeInstanceOf(ResourceConflictError);
  });

  it('stops the token of a disabled agent', async () => {
    const { token } = await agents.create('agent-a', 'A');
    await agents.setStatus('agent-a', 'disabled');
    await expect(agents.authenticate(token)).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('accepts the token again after enabling', async () => {
    const { token } = await agents.create('agent-a', 'A');
    await agents.setStatus('agent-a', 'disabled');
    await agents.setStatus('agent-a', 'active');
    await expect(agents.authenticate(token)).resolves.toMatchObject({ status: 'active' });
  });
});
