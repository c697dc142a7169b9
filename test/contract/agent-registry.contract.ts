import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentRegistry } from '../../lambdas/ports/index.js';
import { agent, versionAt } from './fixtures.js';

/** A fresh, empty registry and a way to dispose of it. */
export interface AgentRegistryFixture {
  readonly registry: AgentRegistry;
  dispose(): Promise<void>;
}

/** The behaviour every {@link AgentRegistry} adapter must show. */
export function describeAgentRegistryContract(
  adapter: string,
  create: () => Promise<AgentRegistryFixture>,
): void {
  describe(`AgentRegistry contract: ${adapter}`, () => {
    let fixture: AgentRegistryFixture;

    beforeEach(async () => {
      fixture = await create();
    });
    afterEach(async () => fixture.dispose());

    it('creates and returns an agent', async () => {
      expect(await fixture.registry.create(agent('a1'))).toBe(true);
      expect(await fixture.registry.get('a1')).toEqual(agent('a1'));
    });

    it('rejects a second agent with the same id', async () => {
      await fixture.registry.create(agent('a1'));
      const other = { ...agent('a1'), name: 'Impostor' };
      expect(await fixture.registry.create(other)).toBe(false);
      expect((await fixture.registry.get('a1'))?.name).toBe('Agent a1');
    });

    it('returns null for an unknown agent', async () => {
      expect(await fixture.registry.get('nobody')).toBeNull();
    });

    it('applies a newer update and ignores an older one', async () => {
      await fixture.registry.create(agent('a1', versionAt(1)));
      const disabled = { ...agent('a1', versionAt(3)), status: 'disabled' as const };
      expect((await fixture.registry.update(disabled))?.status).toBe('disabled');
      const stale = { ...agent('a1', versionAt(2)), status: 'active' as const };
      expect((await fixture.registry.update(stale))?.status).toBe('disabled');
    });
  });
}
