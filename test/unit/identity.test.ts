import { describe, expect, it } from 'vitest';
import { EntityIds, hostBootSeed } from '../../receiver/src/enrich/identity';
import { ProcessTable } from '../../receiver/src/enrich/process_table';

describe('process.entity_id', () => {
  it('is derived: two receivers (a restart, another exporter) agree; any part changed gives another id', () => {
    const a = new EntityIds('machine/boot');
    const b = new EntityIds('machine/boot');
    const id = a.of(1201, 5_000_000_000n, 3n);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(b.of(1201, 5_000_000_000n, 3n)).toBe(id);
    const others = [a.of(1202, 5_000_000_000n, 3n), a.of(1201, 5_000_000_001n, 3n), a.of(1201, 5_000_000_000n, 4n), new EntityIds('machine/other-boot').of(1201, 5_000_000_000n, 3n)];
    expect(new Set([id, ...others]).size).toBe(5);
  });

  it('is seeded with this host and this boot', () => {
    const seed = hostBootSeed();
    expect(seed).toMatch(/^[0-9a-f]{32}\/[0-9a-f-]{36}$/);
  });
});

describe('ProcessTable', () => {
  it('names the parent of an exec only when the pid is the same process (same start), and counts the rest', () => {
    const t = new ProcessTable();
    t.exec(4200, 1_000_000_000n, '/usr/bin/bash', ['-bash']);
    expect(t.parent(4200, 1_005_000_000n)).toMatchObject({ exe: '/usr/bin/bash', argv: ['-bash'] });
    // the pid was reused by a process that started later
    expect(t.parent(4200, 9_000_000_000n)).toBeUndefined();
    t.exit(4200);
    expect(t.parent(4200, 1_000_000_000n)).toBeUndefined();
    expect(t.stats().parentUnknown).toBe(2);
  });

  it('reads processes older than the sensor from /proc, this one included', () => {
    const t = new ProcessTable();
    t.seed();
    expect(t.path(process.pid)).toBe(process.execPath);
    expect(t.stats().size).toBeGreaterThan(1);
  });
});
