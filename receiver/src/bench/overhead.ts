// Overhead on the traced workload: a connect/accept/close loop and an exec
// loop, timed without probes, with bpfaudit, and with auditd holding
// equivalent rules, in one run; the median of several rounds each.
import { withAuditd } from './auditd';
import { acceptingCollector } from './collector';
import { execLoopSeconds, loadScript, start } from './processes';
import { startReceiver, stopReceiver } from './receiver_process';

export interface WorkloadTimes {
  connectSeconds: number;
  execSeconds: number;
}

export interface OverheadResult {
  connections: number;
  execs: number;
  baseline: WorkloadTimes;
  bpfaudit: WorkloadTimes;
  auditd: WorkloadTimes;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(port: number, connections: number, execs: number, rounds: number): Promise<WorkloadTimes> {
  const c: number[] = [];
  const e: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const loop = start([...loadScript('connect_loop'), '127.0.0.1', String(port), `count=${connections}`, '1']);
    c.push((await loop.line()).seconds);
    await loop.exited;
    e.push(execLoopSeconds(execs));
  }
  return { connectSeconds: median(c), execSeconds: median(e) };
}

const AUDIT_RULE = ['-a', 'always,exit', '-F', 'arch=b64', '-S', 'connect', '-S', 'accept', '-S', 'accept4', '-S', 'execve', '-S', 'execveat', '-k', 'bpfaudit_bench'];

export async function overhead(connections = 3000, execs = 500, rounds = 3): Promise<OverheadResult> {
  const sink = start([...loadScript('sink'), '127.0.0.1']);
  const { port } = await sink.line();
  try {
    const baseline = await measure(port, connections, execs, rounds);
    const collector = await acceptingCollector();
    const receiver = await startReceiver(collector.url);
    const bpfaudit = await measure(port, connections, execs, rounds);
    await stopReceiver(receiver);
    collector.server.close();
    const undo = await withAuditd([AUDIT_RULE]);
    let auditd: WorkloadTimes;
    try {
      auditd = await measure(port, connections, execs, rounds);
    } finally {
      await undo();
    }
    return { connections, execs, baseline, bpfaudit, auditd };
  } finally {
    sink.proc.kill();
    await sink.exited;
  }
}
