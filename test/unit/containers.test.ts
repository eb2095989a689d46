import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cgroup2Root, containerIdFromCgroupPath, Containers } from '../../receiver/src/enrich/containers';

const ID = 'a'.repeat(40) + '0123456789abcdef01234567';

describe('containerIdFromCgroupPath', () => {
  it.each([
    ['docker, systemd driver', `/system.slice/docker-${ID}.scope`],
    ['docker, cgroupfs driver', `/docker/${ID}`],
    ['containerd CRI', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c.slice/cri-containerd-${ID}.scope`],
    ['cri-o', `/kubepods.slice/kubepods-pod9.slice/crio-${ID}.scope`],
    ['podman', `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope/container`],
    ['podman cgroupfs', `/libpod_parent/libpod-${ID}`],
    ['kubelet cgroupfs', `/kubepods/burstable/pod0f1e2d3c-aaaa-bbbb-cccc-000000000000/${ID}`],
    ['containerd', `/containerd/${ID}`],
  ])('%s', (_name, path) => {
    expect(containerIdFromCgroupPath(path)).toBe(ID);
  });

  it.each([
    ['the host', '/user.slice/user-0.slice/session-3.scope'],
    ['a conmon monitor', `/machine.slice/libpod-conmon-${ID}.scope`],
    ['a short id', '/memory/process_api/080a0a6bdde4c0a94b2567fb860be9d1'],
    ['the root', '/'],
  ])('nothing for %s', (_name, path) => {
    expect(containerIdFromCgroupPath(path)).toBeUndefined();
  });
});

describe('cgroup2Root', () => {
  it('finds the cgroup2 mount in mountinfo', () => {
    const mi = [
      '30 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - tmpfs tmpfs rw',
      '35 30 0:31 / /sys/fs/cgroup/unified rw,nosuid shared:9 - cgroup2 cgroup2 rw',
    ].join('\n');
    expect(cgroup2Root(mi)).toBe('/sys/fs/cgroup/unified');
    expect(cgroup2Root('1 0 0:1 / / rw - ext4 /dev/vda rw')).toBeUndefined();
  });
});

const V1_ONLY = '25 23 0:22 / /sys/fs/cgroup/memory rw,nosuid shared:10 - cgroup cgroup rw,memory';

describe('Containers', () => {
  it('on a host with a v1 memory hierarchy, resolves the v1 id the kernel reports without reading /proc', async () => {
    const proc = mkdtempSync(join(tmpdir(), 'bpfaudit-proc-'));
    const mem = mkdtempSync(join(tmpdir(), 'bpfaudit-cg1-'));
    try {
      mkdirSync(join(mem, 'docker', ID), { recursive: true });
      mkdirSync(join(mem, 'system.slice'));
      // what /proc would say is different: it must not be what answers
      mkdirSync(join(proc, '77'));
      writeFileSync(join(proc, '77', 'cgroup'), `4:memory:/docker/${'f'.repeat(64)}\n`);
      const c = new Containers(`35 31 0:32 / ${mem} rw,relatime - cgroup cgroup rw,memory`, proc);
      const v1Id = (dir: string) => Number(statSync(dir, { bigint: true }).ino & 0xffffffffn);
      expect(c.describe(77, 1n, v1Id(join(mem, 'docker', ID)))).toEqual({ id: ID, path: `/docker/${ID}` });
      expect(c.describe(77, 1n, v1Id(join(mem, 'system.slice')))).toBeUndefined();
      // a cgroup made after the walk has a higher id: walked for at once, not after the periodic rescan
      const later = 'd'.repeat(64);
      await new Promise((r) => setTimeout(r, 20));
      mkdirSync(join(mem, 'docker', later));
      expect(c.describe(77, 1n, v1Id(join(mem, 'docker', later)))?.id).toBe(later);
      // an id no walk finds: /proc answers
      expect(c.describe(77, 1n, 1)?.id).toBe('f'.repeat(64));
    } finally {
      rmSync(proc, { recursive: true, force: true });
      rmSync(mem, { recursive: true, force: true });
    }
  });

  it('on a cgroup v2 host, reads /proc only for a cgroup id the walk cannot resolve', () => {
    const proc = mkdtempSync(join(tmpdir(), 'bpfaudit-proc-'));
    const cg = mkdtempSync(join(tmpdir(), 'bpfaudit-cg-'));
    try {
      mkdirSync(join(cg, 'system.slice'));
      mkdirSync(join(proc, '77'));
      writeFileSync(join(proc, '77', 'cgroup'), `0::/docker/${ID}\n`);
      const c = new Containers(`35 30 0:31 / ${cg} rw - cgroup2 cgroup2 rw`, proc);
      const hostCgroup = statSync(join(cg, 'system.slice'), { bigint: true }).ino;
      expect(c.describe(77, hostCgroup)).toBeUndefined(); // resolved to a host path: /proc not read
      expect(c.describe(77, 999_999_999n)?.id).toBe(ID); // unknown id: /proc answers
    } finally {
      rmSync(proc, { recursive: true, force: true });
      rmSync(cg, { recursive: true, force: true });
    }
  });


  it('falls back to /proc/<pid>/cgroup and forgets a pid on exit', () => {
    const proc = mkdtempSync(join(tmpdir(), 'bpfaudit-proc-'));
    try {
      mkdirSync(join(proc, '77'));
      writeFileSync(join(proc, '77', 'cgroup'), `12:memory:/docker/${ID}\n0::/\n`);
      const c = new Containers(V1_ONLY, proc);
      expect(c.describe(77, 1n)?.id).toBe(ID);
      rmSync(join(proc, '77'), { recursive: true });
      expect(c.describe(77, 1n)?.id).toBe(ID); // cached while the process lives
      c.forget(77);
      expect(c.describe(77, 1n)?.id).toBeUndefined();
    } finally {
      rmSync(proc, { recursive: true, force: true });
    }
  });
});
