// Overhead on the traced workload: a connect/accept/close loop and an exec
// loop, timed without probes, with bpfaudit, and with auditd holding
// equivalent rules, in one run; the median of several rounds each.
import { spawnSync, type ChildProcess, spawn } from 'node:child_process';
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

function auditctl(args: string[]): string {
  const r = spawnSync('auditctl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`auditctl ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** The comparison needs auditd: installed from Debian when missing, never skipped. */
function installAuditd(): void {
  if (spawnSync('which', ['auditd', 'auditctl']).status === 0) return;
  process.stderr.write('bench: installing auditd (Debian) for the comparison\n');
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', 'auditd']]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed: the auditd comparison needs auditd`);
  }
}

/** auditd in the foreground as our child, with the rules; undone by the returned function. */
async function withAuditd(): Promise<() => Promise<void>> {
  const enabledBefore = /^enabled (\d)/m.exec(auditctl(['-s']))?.[1] ?? '0';
  const daemon: ChildProcess = spawn('auditd', ['-n'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  if (daemon.exitCode !== null) throw new Error('auditd did not start');
  auditctl(['-D']);
  auditctl(AUDIT_RULE);
  auditctl(['-e', '1']);
  return async () => {
    auditctl(['-D']);
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    auditctl(['-e', enabledBefore]);
  };
}

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
    installAuditd();
    const undo = await withAuditd();
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
