// process.entity_id: a name for one program run (pid, start, exec
// generation) that no other process on any host shares and that every
// record of it, every exporter and every restart of the receiver agree on.
// It is derived, not counted: a hash of the host (machine id), the boot
// (boot id: pids and start times begin again after a reboot), and what the
// kernel says of the process. Worked out once per program run and kept per
// pid, with the parent's id and the creation time, until the pid runs
// another program or exits: the table follows the running processes, so
// on a host that starts many short-lived ones it stays small and young
// (kept until 65,536 later processes pushed them out, the entries of the
// bench's processes were a third of what outlived the young generation).
import { hash } from 'node:crypto';
import { PidMap } from '../pid_map';
import type { ProcInfo } from '../events';
import { readTrimmed } from '../host_files';

/** The host and boot every id is derived under; read once (both files are world-readable). */
export function hostBootSeed(): string {
  return `${readTrimmed('/etc/machine-id') ?? ''}/${readTrimmed('/proc/sys/kernel/random/boot_id') ?? ''}`;
}

/** 32 hex digits: the first 128 bits of SHA-256(seed, pid, start, exec generation). */
export function entityId(seed: string, pid: number, startNs: bigint, execId: bigint): string {
  // the one-shot hash: no Hash object per process, the same digest
  return hash('sha256', `${seed}:${pid}:${startNs}:${execId}`, 'hex').slice(0, 32);
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

/** parents are few (shells, service managers, servers): a small table, whatever the process table's size */
const PARENT_CAPACITY = 4096;

interface ParentId {
  startNs: bigint;
  execId: bigint;
  entityId: string;
}

export class ProcessIdentities {
  private readonly byPid: PidMap<Entry>;
  /** ids of parents that made no record of their own (a shell, a service manager): hashed once for all their children */
  private readonly parents = new PidMap<ParentId>(PARENT_CAPACITY);

  constructor(
    private readonly seed: string,
    /** the process's start (boot clock) as wall-clock RFC 3339 */
    private readonly creationTime: (startNs: bigint) => string,
    capacity = 65536,
  ) {
    this.byPid = new PidMap(capacity);
  }

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
    this.byPid.setNewest(p.pid, fresh);
    return fresh;
  }

  /** The process exited: its records are made, its pid's next process is another. */
  forget(pid: number): void {
    this.byPid.delete(pid);
    this.parents.delete(pid);
  }

  /** A parent's id, from either table when it holds that run of the pid: a parent of many children is hashed once. */
  private idOf(pid: number, startNs: bigint, execId: bigint): string {
    const e = this.byPid.get(pid) ?? this.parents.get(pid);
    if (e && e.startNs === startNs && e.execId === execId) return e.entityId;
    const id = entityId(this.seed, pid, startNs, execId);
    this.parents.setNewest(pid, { startNs, execId, entityId: id });
    return id;
  }
}
