// Overhead on the traced workload, wall clock: a compiled 20,000-connection
// loop (the server closes first), a compiled 1,500-exec loop and 2,000,000
// getppid() calls (a syscall nobody records: what every other syscall on the
// host pays), with no probes, with bpfaudit (default configuration) and with
// auditd holding equivalent rules. The three are alternated round by round (the machine's
// speed drifts), and each figure is the median of its rounds.
import { withAuditd } from './auditd';
import { acceptingCollector } from './collector';
import { runLoop } from './loops';
import { startReceiver, stopReceiver } from './receiver_process';
import { median } from './percentile';

export interface WorkloadTimes {
  connectSeconds: number;
  execSeconds: number;
  /** nanoseconds per getppid() */
  syscallNs: number;
}

export interface OverheadResult {
  connections: number;
  execs: number;
  syscalls: number;
  rounds: number;
  baseline: WorkloadTimes;
  bpfaudit: WorkloadTimes;
  auditd: WorkloadTimes;
}


const AUDIT_RULE = ['-a', 'always,exit', '-F', 'arch=b64', '-S', 'connect', '-S', 'accept', '-S', 'accept4', '-S', 'execve', '-S', 'execveat', '-k', 'bpfaudit_bench'];

type Condition = 'baseline' | 'bpfaudit' | 'auditd';

/** Sets a condition up; resolves with its teardown. */
async function enter(condition: Condition): Promise<() => Promise<void>> {
  if (condition === 'baseline') return async () => {};
  if (condition === 'auditd') return withAuditd([AUDIT_RULE]);
  const collector = await acceptingCollector();
  const receiver = await startReceiver(collector.url);
  return async () => {
    await stopReceiver(receiver);
    collector.server.close();
  };
}

export async function overhead(connections = 20_000, execs = 1_500, rounds = 7, syscalls = 2_000_000): Promise<OverheadResult> {
  const times: Record<Condition, { connect: number[]; exec: number[]; syscall: number[] }> = {
    baseline: { connect: [], exec: [], syscall: [] },
    bpfaudit: { connect: [], exec: [], syscall: [] },
    auditd: { connect: [], exec: [], syscall: [] },
  };
  for (let round = 0; round < rounds; round++) {
    for (const condition of ['baseline', 'bpfaudit', 'auditd'] as const) {
      const leave = await enter(condition);
      try {
        times[condition].connect.push(runLoop('connect', connections));
        times[condition].exec.push(runLoop('exec', execs));
        times[condition].syscall.push((runLoop('syscall', syscalls) / syscalls) * 1e9);
      } finally {
        await leave();
      }
    }
  }
  const summary = (c: Condition): WorkloadTimes => ({
    connectSeconds: median(times[c].connect),
    execSeconds: median(times[c].exec),
    syscallNs: median(times[c].syscall),
  });
  return { connections, execs, syscalls, rounds, baseline: summary('baseline'), bpfaudit: summary('bpfaudit'), auditd: summary('auditd') };
}
