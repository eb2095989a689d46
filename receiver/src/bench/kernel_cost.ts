// BPF time per operation, from the kernel's own counters
// (kernel.bpf_stats_enabled: run_time_ns and run_cnt of every program),
// with bpfaudit running its default configuration: per TCP connection
// (connect, accept, both closes), per exec (fork + exec + exit), per UDP
// datagram (sent and received), per pair of socket calls that are neither
// UDP nor ipset (a unix stream), per ipset command, per packet arriving on
// a watched interface (a veth from a namespace made here).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptingCollector } from './collector';
import { runLoop, type Loop } from './loops';
import { startReceiver, stopReceiver } from './receiver_process';

export interface ProgramCost {
  program: string;
  nsPerOp: number;
  /** how often it ran per operation: the fixed cost of a run is paid this many times */
  runsPerOp: number;
}

export interface KernelCost {
  workload: string;
  ops: number;
  nsPerOp: number;
  /** the programs that ran, most expensive first */
  programs: ProgramCost[];
}

type Stats = Map<string, { ns: number; runs: number }>;

function programStats(): Stats {
  const progs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' })) as { name?: string; run_time_ns?: number; run_cnt?: number }[];
  const out: Stats = new Map();
  for (const p of progs) if (p.name?.startsWith('bpfaudit')) out.set(p.name, { ns: p.run_time_ns ?? 0, runs: p.run_cnt ?? 0 });
  return out;
}

function measure(workload: string, ops: number, run: () => void): KernelCost {
  const before = programStats();
  run();
  const after = programStats();
  const programs: ProgramCost[] = [];
  let total = 0;
  for (const [program, a] of after) {
    const ns = a.ns - (before.get(program)?.ns ?? 0);
    if (a.runs === (before.get(program)?.runs ?? 0)) continue;
    total += ns;
    programs.push({ program, nsPerOp: ns / ops, runsPerOp: (a.runs - (before.get(program)?.runs ?? 0)) / ops });
  }
  programs.sort((x, y) => y.nsPerOp - x.nsPerOp);
  return { workload, ops, nsPerOp: total / ops, programs };
}

function ipsetRestore(commands: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'bpfaudit-bench-ipset-'));
  const set = `bpfbench${process.pid % 100000}`;
  const file = join(dir, 'restore');
  const adds = Array.from({ length: commands }, (_, i) => `add ${set} 198.51.${Math.floor(i / 250)}.${(i % 250) + 1}`);
  writeFileSync(file, adds.join('\n') + '\n');
  execFileSync('ipset', ['create', set, 'hash:ip']);
  try {
    execFileSync('ipset', ['restore', '-file', file]);
  } finally {
    spawnSync('ipset', ['destroy', set]);
    rmSync(dir, { recursive: true, force: true });
  }
}

const FLOOD = `
const dgram = require('dgram');
const [host, total] = process.argv.slice(1);
const s = dgram.createSocket('udp4');
(async () => {
  const payload = Buffer.alloc(16);
  for (let sent = 0; sent < +total; ) {
    const n = Math.min(500, +total - sent);
    await new Promise((done) => { let k = 0; for (let i = 0; i < n; i++) s.send(payload, 9999, host, () => { if (++k === n) done(); }); });
    sent += n;
  }
  s.close();
})();`;

/**
 * Small UDP datagrams from a namespace into the host over a veth pair that
 * appears while the receiver runs (its default watches every new interface).
 */
async function inboundPackets(packets: number): Promise<KernelCost> {
  const tag = `bpfb${process.pid % 100000}`;
  const ns = `${tag}-ns`;
  const net = `10.252.${process.pid % 250}`;
  const ip = (...args: string[]) => execFileSync('ip', args);
  ip('netns', 'add', ns);
  try {
    ip('link', 'add', `${tag}h`, 'type', 'veth', 'peer', 'name', `${tag}n`, 'netns', ns);
    ip('addr', 'add', `${net}.1/24`, 'dev', `${tag}h`);
    ip('link', 'set', `${tag}h`, 'up');
    ip('-n', ns, 'addr', 'add', `${net}.2/24`, 'dev', `${tag}n`);
    ip('-n', ns, 'link', 'set', `${tag}n`, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    // the helper attaches on the interface's appearance; give it a moment before counting
    await new Promise((r) => setTimeout(r, 500));
    return measure('inbound packet (UDP from a namespace over a veth)', packets, () => {
      execFileSync('ip', ['netns', 'exec', ns, process.execPath, '-e', FLOOD, `${net}.1`, String(packets)]);
    });
  } finally {
    spawnSync('ip', ['netns', 'delete', ns]);
    spawnSync('ip', ['link', 'delete', `${tag}h`]);
  }
}

export async function kernelCosts(): Promise<KernelCost[]> {
  const sysctl = '/proc/sys/kernel/bpf_stats_enabled';
  const before = readFileSync(sysctl, 'utf8').trim();
  writeFileSync(sysctl, '1');
  const collector = await acceptingCollector();
  const receiver = await startReceiver(collector.url);
  try {
    const loop = (l: Loop, ops: number) => () => void runLoop(l, ops);
    return [
      measure('TCP connection (connect, accept, both closes)', 20_000, loop('connect', 20_000)),
      measure('exec (fork + exec + exit)', 1_500, loop('exec', 1_500)),
      measure('UDP datagram (sendto + recvfrom)', 100_000, loop('udp', 100_000)),
      measure('unix stream sendmsg + recvmsg (not ours)', 100_000, loop('unix', 100_000)),
      measure('ipset command (restore of 1,000 adds)', 1_000, () => ipsetRestore(1_000)),
      await inboundPackets(200_000),
    ];
  } finally {
    await stopReceiver(receiver);
    collector.server.close();
    writeFileSync(sysctl, before);
  }
}
