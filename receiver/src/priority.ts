// limits.priority_boost: the receiver's scheduling priority raised above the
// workload it audits, as auditd's priority_boost does. On a host whose CPUs
// are saturated, a receiver at the workload's priority falls behind the
// kernel's ring buffer and events are lost (counted, but lost); one a few
// nice levels up is served first and the workload waits instead.
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

const HIGHEST = -20;

/**
 * Lowers the nice value of every thread of this process by `boost` (Linux
 * keeps one per thread; threads started later inherit their creator's).
 * Needs CAP_SYS_NICE, so it runs before the privilege drop. Returns why it
 * could not, for a warning: the receiver still runs, at its old priority.
 */
export function raisePriority(boost: number): string | undefined {
  if (boost === 0) return undefined;
  const target = Math.max(HIGHEST, getPriority(0) - boost);
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      setPriority(Number(tid), target);
    } catch (e) {
      // os.setPriority's SystemError keeps the errno's name in `info`
      const errno = (e as { info?: { code?: string } }).info?.code ?? (e as Error).message;
      if (errno === 'ESRCH') continue; // a thread that ended meanwhile
      return `limits.priority_boost: cannot raise the priority to nice ${target} (${errno}; CAP_SYS_NICE is needed): running at nice ${getPriority(0)}`;
    }
  }
  return undefined;
}
