import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { z as englishZ } from '../../lib/bundle-shims/zod.js';

describe('zod stand-in of the bundles', () => {
  it('exports every name zod exports', () => {
    expect(Object.keys(englishZ).sort()).toEqual(Object.keys(z).sort());
    expect(Object.keys(englishZ.core).sort()).toEqual(Object.keys(z.core).sort());
  });

  it('exports the same values except the locales', () => {
    const differing = Object.keys(z).filter(
      (name) => englishZ[name as keyof typeof z] !== z[name as keyof typeof z],
    );
    const differingInCore = Object.keys(z.core).filter(
      (name) => englishZ.core[name as keyof typeof z.core] !== z.core[name as keyof typeof z.core],
    );

    expect(differing.sort()).toEqual(['core', 'locales']);
    expect(differingInCore).toEqual(['locales']);
  });

  it('keeps only the English locale', () => {
    expect(Object.keys(englishZ.locales)).toEqual(['en']);
    expect(Object.keys(englishZ.core.locales)).toEqual(['en']);
    expect(englishZ.locales.en).toBe(z.locales.en);
  });
});
