// container.id from a process's cgroup: by the cgroup v2 id the kernel
// reports (resolved to a path by walking the cgroup2 mount, cached), and
// for hosts whose containers live in cgroup v1 hierarchies, from
// /proc/<pid>/cgroup (cached per pid, forgotten when the process exits).
// On a host with cgroup v2 alone, /proc is read only for an id the walk
// could not resolve: a read per new process there cost the receiver about
// a third of its time on an exec-heavy load.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

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

/** Mount point of each mount of this filesystem type in mountinfo. */
function mountsOf(fstype: string, mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (right?.startsWith(`${fstype} `)) out.push(left.split(' ')[4]);
  }
  return out;
}

/** The cgroup2 mount point from /proc/self/mountinfo. */
export function cgroup2Root(mountinfo = selfMountinfo()): string | undefined {
  return mountsOf('cgroup2', mountinfo)[0];
}

/** Whether any cgroup v1 hierarchy is mounted (a hybrid or legacy host). */
export function hasCgroupV1(mountinfo = selfMountinfo()): boolean {
  return mountsOf('cgroup', mountinfo).length > 0;
}

export class Containers {
  private readonly byCgroupId = new Map<bigint, string>();
  private readonly byPid = new Map<number, { id: string; path: string } | null>();
  private scannedAt = -Infinity;

  private readonly root: string | undefined;
  private readonly v1: boolean;

  constructor(
    mountinfo = selfMountinfo(),
    private readonly procRoot = '/proc',
    private readonly rescanMs = 1000,
    private readonly pidCapacity = 16384,
  ) {
    this.root = cgroup2Root(mountinfo);
    this.v1 = hasCgroupV1(mountinfo);
  }

  /** The container a process runs in (and the cgroup path that named it), or undefined on the host. */
  describe(pid: number, cgroupId: bigint): { id: string; path: string } | undefined {
    const path = this.cgroupPath(cgroupId);
    if (path !== undefined && path !== '/') {
      const id = containerIdFromCgroupPath(path);
      if (id) return { id, path };
    }
    return path === undefined || this.v1 ? this.fromProc(pid) : undefined;
  }

  forget(pid: number): void {
    this.byPid.delete(pid);
  }

  cgroupPath(id: bigint): string | undefined {
    const hit = this.byCgroupId.get(id);
    if (hit !== undefined || !this.root) return hit;
    const now = Date.now();
    if (now - this.scannedAt < this.rescanMs) return undefined;
    this.scannedAt = now;
    this.scan(this.root, '/');
    return this.byCgroupId.get(id);
  }

  private scan(dir: string, rel: string): void {
    try {
      this.byCgroupId.set(statSync(dir, { bigint: true }).ino, rel);
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) this.scan(join(dir, e.name), rel === '/' ? `/${e.name}` : `${rel}/${e.name}`);
      }
    } catch {
      // a cgroup removed while walking: nothing to resolve there
    }
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
      this.byPid.set(pid, id);
      if (this.byPid.size > this.pidCapacity) this.byPid.delete(this.byPid.keys().next().value as number);
    }
    return id ?? undefined;
  }
}
