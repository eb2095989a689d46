// process.entity_id: a name for one program run (pid, start, exec
// generation) that no other process on any host shares and that every
// record of it, every exporter and every restart of the receiver agree on.
// It is derived, not counted: a hash of the host (machine id), the boot
// (boot id: pids and start times begin again after a reboot), and what the
// kernel says of the process. Worked out once per program run and kept per
// pid, with the parent's id and the creation time, until the pid runs
// another program.
import { createHash } from 'node:crypto';
import type { ProcInfo } from '../events';
import { readTrimmed } from '../host_files';

/** The host and boot every id is derived under; read once (both files are world-readable). */
export function hostBootSeed(): string {
  return `${readTrimmed('/etc/machine-id') ?? ''}/${readTrimmed('/proc/sys/kernel/random/boot_id') ?? ''}`;
}

/** 32 hex digits: the first 128 bits of SHA-256(seed, pid, start, exec generation). */
export function entityId(seed: string, pid: number, startNs: bigint, execId: bigint): string {
  return createHash('sha256').update(`${seed}:${pid}:${startNs}:${execId}`).digest('hex').slice(0, 32);
}

export interface Identity {
  entityId: string;
  /** undefined for a process without a parent (pid 1, kernel threads' roots) */
  parentEntityId: string | undefined;
  /** RFC 3339 */
  creationTime: string;
}

interface Entry extends Identity {
  startNs: bigint;
  execId: bigint;
  parentExecId: bigint;
}

export class ProcessIdentities {
  private readonly byPid = new Map<number, Entry>();

  constructor(
    private readonly seed: string,
    /** the process's start (boot clock) as wall-clock RFC 3339 */
    private readonly creationTime: (startNs: bigint) => string,
    private readonly capacity = 65536,
  ) {}

  of(p: ProcInfo): Identity {
    const e = this.byPid.get(p.pid);
    if (e && e.startNs === p.startNs && e.execId === p.execId && e.parentExecId === p.parentExecId) return e;
    const fresh: Entry = {
      entityId: entityId(this.seed, p.pid, p.startNs, p.execId),
      parentEntityId: p.ppid > 0 ? this.idOf(p.ppid, p.parentStartNs, p.parentExecId) : undefined,
      creationTime: this.creationTime(p.startNs),
      startNs: p.startNs,
      execId: p.execId,
      parentExecId: p.parentExecId,
    };
    this.byPid.delete(p.pid);
    this.byPid.set(p.pid, fresh);
    if (this.byPid.size > this.capacity) this.byPid.delete(this.byPid.keys().next().value as number);
    return fresh;
  }

  /** A process's id, taken from the table when it holds that run of the pid (a parent of many children: hashed once). */
  private idOf(pid: number, startNs: bigint, execId: bigint): string {
    const e = this.byPid.get(pid);
    return e && e.startNs === startNs && e.execId === execId ? e.entityId : entityId(this.seed, pid, startNs, execId);
  }
}
