// Small reads of host files that several parts need.
import { readFileSync } from 'node:fs';

/** A file's text without surrounding space; undefined when absent, unreadable or empty. */
export function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A process's start in clock ticks since boot (/proc/<pid>/stat field 22); undefined when it is gone. */
export function startTicks(pid: number): bigint | undefined {
  const stat = readTrimmed(`/proc/${pid}/stat`);
  // the fields after the parenthesised comm, which may itself hold spaces or ')'
  return stat === undefined ? undefined : BigInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}
