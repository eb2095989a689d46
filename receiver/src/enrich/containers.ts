// container.id from a process's cgroup, by the ids the kernel reports with
// every record: the cgroup v2 id, and on hosts with cgroup v1 hierarchies
// the memory controller's v1 id (where v1 runtimes put each container).
// Each is resolved to a path by walking its hierarchy (cached; a walk at
// most once a second for an unknown id). /proc/<pid>/cgroup (cached per pid,
// forgotten when the process exits) is read only for what the walks could
// not resolve: read for every new process, it was a fifth of the receiver's
// time on an exec-heavy load.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PidMap } from '../pid_map';

const HEX64 = '([0-9a-f]{64})';
const PATTERNS: RegExp[] = [
  new RegExp(`docker-${HEX64}\\.scope`), // docker, systemd cgroup driver
  new RegExp(`/docker/${HEX64}(?:/|$)`), // docker, cgroupfs driver
  new RegExp(`cri-containerd-${HEX64}\\.scope`), // containerd CRI, systemd driver
  new RegExp(`crio-${HEX64}\\.scope`), // cri-o (its crio-conmon-<id> is not the container)
  new RegExp(`libpod-${HEX64}\\.scope`), // podman (libpod-conmon-<id> is not the container)
  new RegExp(`/libpod_parent/libpod-${HEX64}(?:/|$)`), // podman, cgroupfs driver
  new RegExp(`/kubepods[^/]*/(?:[^/]+/)?pod[^/]+/${HEX64}(?:/|$)`), // kubelet, cgroupfs driver
  new RegExp(`/containerd/${HEX64}(?:/|$)`), // plain containerd
];

export function containerIdFromCgroupPath(path: string): string | undefined {
  for (const p of PATTERNS) {
    const m = p.exec(path);
    if (m) return m[1];
  }
  return undefined;
}

const selfMountinfo = () => readFileSync('/proc/self/mountinfo', 'utf8');

interface Mount {
  point: string;
  fstype: string;
  /** the superblock options: for cgroup v1, the controllers ("rw,memory") */
  options: string[];
}

function mounts(mountinfo: string): Mount[] {
  const out: Mount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const [fstype, , options = ''] = right.split(' ');
    out.push({ point: left.split(' ')[4], fstype, options: options.split(',') });
  }
  return out;
}

/** The cgroup2 mount point from /proc/self/mountinfo. */
export function cgroup2Root(mountinfo = selfMountinfo()): string | undefined {
  return mounts(mountinfo).find((m) => m.fstype === 'cgroup2')?.point;
}

/** Whether any cgroup v1 hierarchy is mounted (a hybrid or legacy host). */
export function hasCgroupV1(mountinfo = selfMountinfo()): boolean {
  return mounts(mountinfo).some((m) => m.fstype === 'cgroup');
}

/** Where the memory controller is mounted as a cgroup v1 hierarchy, if it is. */
export function cgroupV1MemoryRoot(mountinfo = selfMountinfo()): string | undefined {
  return mounts(mountinfo).find((m) => m.fstype === 'cgroup' && m.options.includes('memory'))?.point;
}

/**
 * One cgroup hierarchy: a cgroup's id (its directory's inode number, masked
 * to what the kernel reports) to its path, by walking the tree. Ids grow as
 * cgroups are made, so an unknown id above every id of the last walk is a
 * cgroup made since (a container just started, whose first process may be
 * gone before /proc could be asked): walked for at once. Other unknown ids
 * (cgroups already removed) wait for the periodic walk.
 */
class CgroupTree {
  private readonly byId = new Map<bigint, string>();
  private scannedAt = -Infinity;
  private maxId = -1n;
  /** newer ids a walk did not find (outside this mount, or removed at once): not walked for again */
  private readonly missed = new Set<bigint>();

  constructor(
    private readonly root: string,
    private readonly mask: bigint,
    private readonly rescanMs: number,
  ) {}

  path(id: bigint): string | undefined {
    const hit = this.byId.get(id);
    if (hit !== undefined) return hit;
    const now = Date.now();
    const newer = id > this.maxId && !this.missed.has(id);
    if (now - this.scannedAt < (newer ? NEW_CGROUP_RESCAN_MS : this.rescanMs)) return undefined;
    this.scannedAt = now;
    this.byId.clear();
    this.scan(this.root, '/');
    const path = this.byId.get(id);
    if (path === undefined) {
      if (this.missed.size >= 4096) this.missed.clear();
      this.missed.add(id);
    }
    return path;
  }

  private scan(dir: string, rel: string): void {
    try {
      const id = statSync(dir, { bigint: true }).ino & this.mask;
      this.byId.set(id, rel);
      if (id > this.maxId) this.maxId = id;
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) this.scan(join(dir, e.name), rel === '/' ? `/${e.name}` : `${rel}/${e.name}`);
      }
    } catch {
      // a cgroup removed while walking: nothing to resolve there
    }
  }
}

/** the least time between two walks for ids newer than the last walk */
const NEW_CGROUP_RESCAN_MS = 10;
const ALL_BITS = (1n << 64n) - 1n;
const LOW_32_BITS = (1n << 32n) - 1n;

export class Containers {
  private readonly byPid: PidMap<{ id: string; path: string } | null>;
  private readonly v2: CgroupTree | undefined;
  private readonly v1Memory: CgroupTree | undefined;
  private readonly v1: boolean;

  constructor(
    mountinfo = selfMountinfo(),
    private readonly procRoot = '/proc',
    rescanMs = 1000,
    pidCapacity = 16384,
  ) {
    this.byPid = new PidMap(pidCapacity);
    const v2 = cgroup2Root(mountinfo);
    const v1Memory = cgroupV1MemoryRoot(mountinfo);
    this.v2 = v2 ? new CgroupTree(v2, ALL_BITS, rescanMs) : undefined;
    this.v1Memory = v1Memory ? new CgroupTree(v1Memory, LOW_32_BITS, rescanMs) : undefined;
    this.v1 = hasCgroupV1(mountinfo);
  }

  /** The container a process runs in (and the cgroup path that named it), or undefined on the host. */
  describe(pid: number, cgroupId: bigint, cgroupV1Id = 0): { id: string; path: string } | undefined {
    const path = this.v2?.path(cgroupId);
    if (path !== undefined && path !== '/') {
      const id = containerIdFromCgroupPath(path);
      if (id) return { id, path };
    }
    if (!this.v1) return path === undefined ? this.fromProc(pid) : undefined;
    const v1Path = cgroupV1Id && this.v1Memory ? this.v1Memory.path(BigInt(cgroupV1Id)) : undefined;
    if (v1Path === undefined) return this.fromProc(pid);
    const id = containerIdFromCgroupPath(v1Path);
    return id ? { id, path: v1Path } : undefined;
  }

  forget(pid: number): void {
    this.byPid.delete(pid);
  }

  private fromProc(pid: number): { id: string; path: string } | undefined {
    let id = this.byPid.get(pid);
    if (id === undefined) {
      id = null;
      try {
        for (const line of readFileSync(`${this.procRoot}/${pid}/cgroup`, 'utf8').split('\n')) {
          const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
          const found = containerIdFromCgroupPath(path);
          if (found) {
            id = { id: found, path };
            break;
          }
        }
      } catch {
        // the process is gone: no container id rather than a guess
      }
      this.byPid.setNewest(pid, id);
    }
    return id ?? undefined;
  }
}
