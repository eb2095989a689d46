import { describe, expect, it } from 'vitest';
import { SAMPLE_PROC } from '../../receiver/src/decode/encode';
import { entityId, hostBootSeed, ProcessIdentities } from '../../receiver/src/enrich/identity';
import { ProcessTable } from '../../receiver/src/enrich/process_table';

describe('process.entity_id', () => {
  it('is derived: two receivers (a restart, another exporter) agree; any part changed gives another id', () => {
    const id = entityId('machine/boot', 1201, 5_000_000_000n, 3n);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    // the first 128 bits of SHA-256 over the same text as every earlier version: ids in stored records stay valid
    expect(id).toBe('9d3aaf9a321b16737d0d29d6a6c6905e');
    expect(entityId('machine/boot', 1201, 5_000_000_000n, 3n)).toBe(id);
    const others = [
      entityId('machine/boot', 1202, 5_000_000_000n, 3n),
      entityId('machine/boot', 1201, 5_000_000_001n, 3n),
      entityId('machine/boot', 1201, 5_000_000_000n, 4n),
      entityId('machine/other-boot', 1201, 5_000_000_000n, 3n),
    ];
    expect(new Set([id, ...others]).size).toBe(5);
  });

  it('is worked out once per program run: a new exec or a reused pid is a new identity', () => {
    let made = 0;
    const ids = new ProcessIdentities('machine/boot', (ns) => `t${ns}-${++made}`);
    const first = ids.of(SAMPLE_PROC);
    expect(ids.of({ ...SAMPLE_PROC })).toBe(first);
    expect(first).toMatchObject({
      entityId: entityId('machine/boot', SAMPLE_PROC.pid, SAMPLE_PROC.startNs, SAMPLE_PROC.execId),
      parentEntityId: entityId('machine/boot', SAMPLE_PROC.ppid, SAMPLE_PROC.parentStartNs, SAMPLE_PROC.parentExecId),
      creationTime: `t${SAMPLE_PROC.startNs}-1`,
    });
    const exec = ids.of({ ...SAMPLE_PROC, execId: SAMPLE_PROC.execId + 1n });
    expect(exec.entityId).not.toBe(first.entityId);
    expect(exec.parentEntityId).toBe(first.parentEntityId);
    expect(ids.of({ ...SAMPLE_PROC, startNs: SAMPLE_PROC.startNs + 1n }).entityId).not.toBe(first.entityId);
    expect(ids.of({ ...SAMPLE_PROC, ppid: 0 }).parentEntityId).toBeUndefined();
  });

  it("names a parent that made no record of its own by its program run, for each of its children", () => {
    const ids = new ProcessIdentities('machine/boot', String);
    const parentId = entityId('machine/boot', SAMPLE_PROC.ppid, SAMPLE_PROC.parentStartNs, SAMPLE_PROC.parentExecId);
    const children = [1, 2, 3].map((n) => ids.of({ ...SAMPLE_PROC, pid: SAMPLE_PROC.pid + n }));
    expect(children.map((c) => c.parentEntityId)).toEqual([parentId, parentId, parentId]);
    // the parent ran another program (or its pid was reused) before the next child: another id
    const later = ids.of({ ...SAMPLE_PROC, pid: SAMPLE_PROC.pid + 4, parentExecId: SAMPLE_PROC.parentExecId + 1n });
    expect(later.parentEntityId).toBe(entityId('machine/boot', SAMPLE_PROC.ppid, SAMPLE_PROC.parentStartNs, SAMPLE_PROC.parentExecId + 1n));
    const reused = ids.of({ ...SAMPLE_PROC, pid: SAMPLE_PROC.pid + 5, parentStartNs: SAMPLE_PROC.parentStartNs + 1n });
    expect(reused.parentEntityId).not.toBe(parentId);
  });

  it('is forgotten when the process exits, and worked out again (the same) for a record after its exit', () => {
    let made = 0;
    const ids = new ProcessIdentities('machine/boot', (ns) => `t${ns}-${++made}`);
    const parent = { ...SAMPLE_PROC, pid: SAMPLE_PROC.ppid, ppid: 1, startNs: SAMPLE_PROC.parentStartNs, execId: SAMPLE_PROC.parentExecId };
    const first = ids.of(parent);
    const child = ids.of(SAMPLE_PROC);
    expect(child.parentEntityId).toBe(first.entityId);
    expect(made).toBe(2);
    ids.forget(parent.pid);
    // the parent's id is hashed again for its children, the same; its own record after the exit (a socket closed) too
    expect(ids.of({ ...SAMPLE_PROC, pid: SAMPLE_PROC.pid + 1 }).parentEntityId).toBe(first.entityId);
    const again = ids.of(parent);
    expect(again).not.toBe(first);
    expect(again).toEqual({ ...first, creationTime: `t${parent.startNs}-4` });
    expect(made).toBe(4);
    expect(ids.of(SAMPLE_PROC)).toBe(child);
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
