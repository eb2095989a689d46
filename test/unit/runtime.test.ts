import { describe, expect, it } from 'vitest';
import { currentRuntime, runtimeSupport } from '../../receiver/src/runtime';

const DAY = new Date('2026-11-21T12:00:00Z');

describe('runtimeSupport', () => {
  it('warns for a line past its end of life', () => {
    const r = runtimeSupport('v20.20.2', 'Iron', DAY);
    expect(r.endOfLife).toBe('2026-04-30');
    expect(r.warning).toMatch(/end of life on 2026-04-30/);
  });

  it('accepts a supported LTS line and names its end of life', () => {
    expect(runtimeSupport('v24.21.0', 'Krypton', DAY)).toEqual({ version: 'v24.21.0', lts: 'Krypton', endOfLife: '2028-04-30', warning: undefined });
    expect(runtimeSupport('v22.12.0', 'Jod', DAY).endOfLife).toBe('2027-04-30');
  });

  it('warns for an odd line and for an even line before it is LTS', () => {
    expect(runtimeSupport('v25.1.0', undefined, DAY).warning).toMatch(/odd-numbered/);
    expect(runtimeSupport('v26.0.0', undefined, new Date('2026-05-01')).warning).toMatch(/not an LTS release/);
  });

  it('the tests run on the runtime package.json pins, which is supported', () => {
    const pinned = (require('../../package.json') as { optionalDependencies: Record<string, string> }).optionalDependencies[`node-linux-${process.arch}`];
    const rt = currentRuntime();
    expect(rt.version).toBe(`v${pinned}`);
    expect(rt.warning).toBeUndefined();
  });
});
