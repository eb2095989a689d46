// What the receiver knows of running processes: the binary and the command
// line of each pid's current program, learnt from exec records, or read
// once from /proc for processes older than the sensor (before the privilege
// drop, when /proc/<pid>/exe of others is readable). It names the binary of
// records that do not carry it (network) and the parent of an exec.
// Bounded (oldest entries go first), forgotten at exit.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { startTicks } from '../host_files';
import { PidMap } from '../pid_map';

/** USER_HZ: /proc/<pid>/stat gives start times in these ticks (nsec_to_clock_t). */
const NS_PER_TICK = 10_000_000n;

export interface ProcessEntry {
  /** the process's start in clock ticks since boot, to tell a reused pid */
  startTicks: bigint;
  exe: string | undefined;
  argv: string[] | undefined;
}

export interface ProcessTableStats {
  size: number;
  /** exec records whose parent was not known (older than the sensor and gone, or evicted) */
  parentUnknown: number;
}

function readProc(pid: number): ProcessEntry | undefined {
  try {
    const ticks = startTicks(pid);
    if (ticks === undefined) return undefined;
    let exe: string | undefined;
    let argv: string[] | undefined;
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      exe = undefined; // a kernel thread, or not ours to read
    }
    try {
      const raw = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      argv = raw ? Buffer.from(raw, 'latin1').toString('utf8').replace(/\0$/, '').split('\0') : undefined;
    } catch {
      argv = undefined;
    }
    return { startTicks: ticks, exe, argv };
  } catch {
    return undefined;
  }
}

export class ProcessTable {
  private readonly entries: PidMap<ProcessEntry | null>;
  private parentUnknown = 0;

  constructor(capacity = 32768) {
    this.entries = new PidMap(capacity);
  }

  /** Reads every running process (before privileges are dropped). */
  seed(): void {
    for (const name of readdirSync('/proc')) {
      if (/^\d+$/.test(name)) this.lookup(Number(name));
    }
  }

  exec(pid: number, startNs: bigint, exe: string, argv: string[]): void {
    this.set(pid, { startTicks: startNs / NS_PER_TICK, exe, argv });
  }

  exit(pid: number): void {
    this.entries.delete(pid);
  }

  /** The binary of a pid's current program, for records that do not carry it. */
  path(pid: number): string | undefined {
    return this.lookup(pid)?.exe;
  }

  /** The parent of an exec: the process `ppid` that started at `startNs`, or undefined (counted). */
  parent(ppid: number, startNs: bigint): ProcessEntry | undefined {
    const e = ppid > 0 ? this.lookup(ppid) : undefined;
    if (e && e.startTicks === startNs / NS_PER_TICK) return e;
    this.parentUnknown++;
    return undefined;
  }

  stats(): ProcessTableStats {
    return { size: this.entries.size, parentUnknown: this.parentUnknown };
  }

  private lookup(pid: number): ProcessEntry | undefined {
    let e = this.entries.get(pid);
    if (e === undefined) {
      e = readProc(pid) ?? null;
      this.set(pid, e);
    }
    return e ?? undefined;
  }

  private set(pid: number, e: ProcessEntry | null): void {
    this.entries.setNewest(pid, e);
  }
}
