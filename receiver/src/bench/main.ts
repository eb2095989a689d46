// npm run bench: prints a table and writes bench-results/bench.json.
//   BENCH_EVENTS (400000)       events through the pipeline measurement
//   BENCH_LIVE_SECONDS (30)     length of the live connect-rate run
//   BENCH_LATENCY_SECONDS (20)  length of the light-load latency run
//   BENCH_SEARCH_MB (300)       size of the file bpfaudit search scans
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths';
import { allowedCpus, setCpus } from './affinity';
import { lightLatency, type Latencies } from './latency';
import { liveRun } from './live';
import { kernelCosts } from './kernel_cost';
import { overhead } from './overhead';
import { median } from './percentile';
import { pipelineThroughput, type PipelineResult } from './pipeline';
import { searchSpeed } from './search_speed';
import { startupSeconds } from './startup';

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const ms = (l: Latencies) => (['exec', 'tcp', 'udp'] as const).map((k) => `${k} ${Math.round(l[k].p50)}/${Math.round(l[k].p99)}`).join(', ');
const PIPELINE_ROUNDS = 5;
const WARMUP_EVENTS = 100_000;
const pct = (with_: number, without: number) => `${(((with_ - without) / without) * 100).toFixed(1)}%`;

async function main(): Promise<void> {
  const total = Number(process.env.BENCH_EVENTS ?? 400_000);
  const liveSeconds = Number(process.env.BENCH_LIVE_SECONDS ?? 30);
  const rows: string[][] = [];
  const say = (what: string, figure: string, target = '') => {
    rows.push([what, figure, target]);
    process.stderr.write(`  ${what}: ${figure}\n`);
  };

  // the machine's speed drifts by 10-30% within minutes: each path runs PIPELINE_ROUNDS times, alternated, and its median is quoted
  const paths = [
    { label: 'direct records + direct encoder, zstd (the defaults)', encoder: 'direct', records: 'direct', compression: 'zstd' },
    { label: 'the same with compression: gzip (for an endpoint that refuses zstd)', encoder: 'direct', records: 'direct', compression: 'gzip' },
    { label: 'SDK records + direct encoder, zstd', encoder: 'direct', records: 'sdk', compression: 'zstd' },
    { label: 'SDK records + SDK serializer, zstd', encoder: 'sdk', records: 'sdk', compression: 'zstd' },
  ] as const;
  const pipeline = paths.map(() => [] as PipelineResult[]);
  // one core for the receiver (this process), the others for the OTLP server, when there are others
  const cpus = allowedCpus();
  const serverCpus = cpus.slice(0, -1);
  const core = serverCpus.length ? `on one core (CPU ${cpus[cpus.length - 1]}; the OTLP server on ${serverCpus.join(',')})` : 'on the one CPU there is, shared with the OTLP server';
  if (serverCpus.length) setCpus(process.pid, cpus.slice(-1));
  try {
    // a long-running receiver runs compiled code: each path's first pass, which also compiles it
    // (V8's background threads took 0.2-0.3 s more CPU in it than in later runs), is not timed
    for (const p of paths) await pipelineThroughput(WARMUP_EVENTS, p.encoder, p.records, { compression: p.compression, serverCpus });
    for (let round = 0; round < PIPELINE_ROUNDS; round++) {
      for (const [i, p] of paths.entries()) pipeline[i].push(await pipelineThroughput(total, p.encoder, p.records, { compression: p.compression, serverCpus }));
    }
  } finally {
    setCpus(process.pid, cpus);
  }
  const spread = (xs: number[]) => `median of ${xs.length} alternated runs; ${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}`;
  for (const [i, p] of paths.entries()) {
    const perSecond = pipeline[i].map((r) => r.eventsPerSecond);
    say(`pipeline ${core}, ${p.label}: raw records -> OTLP/protobuf acknowledged`, `${fmt(median(perSecond))} events/s (${spread(perSecond)})`, i === 0 ? '>= 200,000 (stretch 500,000)' : '');
    const perCpu = pipeline[i].map((r) => r.eventsPerCpuSecond);
    say('  the same per CPU-second of the receiver (its process, user + system; the OTLP server runs in another)', `${fmt(median(perCpu))} events/CPU-s (${spread(perCpu)})`);
    const wire = pipeline[i].map((r) => r.bytesOnWire / r.acknowledged);
    say('  bytes on the wire (and in the spool) per record', `${median(wire).toFixed(1)} B`);
  }

  const scans = await searchSpeed(Number(process.env.BENCH_SEARCH_MB ?? 300));
  for (const sc of scans) {
    say(`bpfaudit search ${sc.filter}: ${fmt(sc.megabytes)} MB of jsonl, one core`, `${fmt(sc.mbPerSecond)} MB/s, peak RSS ${sc.peakRssMiB} MiB`, sc.filter.startsWith('--pid') ? '>= 200 MB/s, memory flat' : '');
  }

  const startup = await startupSeconds();
  say(`start-up: spawn -> probes attached, running (median of 5, ${process.version})`, `${startup.toFixed(2)} s`);

  const light = await lightLatency(Number(process.env.BENCH_LATENCY_SECONDS ?? 20));
  say('latency, light load (exec + connection + new UDP peer every 50 ms): event -> collector p50/p99 ms', ms(light), 'p99 <= 1000');

  const live = await liveRun(liveSeconds, true);
  const s = live.summary;
  say(`live ${liveSeconds} s, redundancy cache on: connect/accept/close rate`, `${fmt(live.connectionsPerSecond)} connections/s (${fmt(live.connections)})`, 'the highest this machine generates');
  say('  kernel events / records exported', `${fmt(s.events + s.folded)} / ${fmt(s.exported)} (folded ${fmt(s.folded)})`);
  say('  drops: kernel / export / rejected / spool overflow / malformed', `${s.lost} / ${s.exportFailed} / ${s.rejected} / ${s.spoolOverflow} / ${s.malformed}`, 'all 0');
  say('  peak resident memory of the receiver', `${live.peakRssMiB} MiB`, '<= 150 MiB');
  say('  latency of the light mix beside this load: p50/p99 ms', ms(live.latency), 'p99 <= 1000 when not saturated');
  const raw = await liveRun(liveSeconds, false);
  const r = raw.summary;
  say(`live ${liveSeconds} s, every connection a record: rate`, `${fmt(raw.connectionsPerSecond)} connections/s (${fmt(raw.connections)})`);
  say('  kernel events / records exported', `${fmt(r.events)} / ${fmt(r.exported)}`);
  say('  drops: kernel / export / rejected / spool overflow / malformed', `${r.lost} / ${r.exportFailed} / ${r.rejected} / ${r.spoolOverflow} / ${r.malformed}`, 'all 0');
  say('  peak resident memory of the receiver', `${raw.peakRssMiB} MiB`, '<= 150 MiB');
  say('  latency of the light mix beside this load: p50/p99 ms', ms(raw.latency));

  const costs = await kernelCosts();
  const targets: Record<string, string> = { TCP: '<= 1,500 ns', exec: '<= 3,000 ns', UDP: '<= 1,000 ns', unix: '<= 300 ns' };
  const inbound = costs.find((c) => c.workload.startsWith('inbound'))?.programs.find((p) => p.program === 'bpfaudit_inbound');
  say('BPF time per inbound packet: the tcx ingress program alone', inbound ? `${fmt(inbound.nsPerOp)} ns (${inbound.runsPerOp.toFixed(2)} runs per packet)` : 'the program did not run: not attached', '<= 100 ns');
  for (const c of costs) {
    say(`BPF time per ${c.workload}`, `${fmt(c.nsPerOp)} ns`, targets[c.workload.split(' ')[0]] ?? '');
    say('  top programs', c.programs.slice(0, 4).map((p) => `${p.program} ${fmt(p.nsPerOp)} (${p.runsPerOp.toFixed(1)} runs)`).join(', '));
  }

  const o = await overhead();
  const vs = (a: number, b: number) => `${(a / b).toFixed(2)}x auditd's time`;
  say(`overhead, compiled connect loop (${fmt(o.connections)} connections, median of ${o.rounds}, alternated): bpfaudit`, pct(o.bpfaudit.connectSeconds, o.baseline.connectSeconds), '<= 5%, below auditd');
  say('overhead, compiled connect loop: auditd (connect, accept, accept4, execve, execveat rules)', pct(o.auditd.connectSeconds, o.baseline.connectSeconds));
  say(`overhead, compiled exec loop (${fmt(o.execs)} execs): bpfaudit`, pct(o.bpfaudit.execSeconds, o.baseline.execSeconds), '<= 3%, below auditd');
  say('overhead, compiled exec loop: auditd', pct(o.auditd.execSeconds, o.baseline.execSeconds));
  say(`an unrecorded syscall (getppid, ${fmt(o.syscalls)} calls): no probes / bpfaudit / auditd`, [o.baseline, o.bpfaudit, o.auditd].map((t) => `${fmt(t.syscallNs)} ns`).join(' / '));
  say('  bpfaudit against auditd: connect loop / exec loop', `${vs(o.bpfaudit.connectSeconds, o.auditd.connectSeconds)} / ${vs(o.bpfaudit.execSeconds, o.auditd.execSeconds)}`);
  say('  baseline times: connect loop / exec loop', `${o.baseline.connectSeconds.toFixed(3)} s / ${o.baseline.execSeconds.toFixed(3)} s`);

  const w = [0, 1].map((i) => Math.max(...rows.map((row) => row[i].length)));
  process.stdout.write(rows.map(([a, b, c]) => `${a.padEnd(w[0])}  ${b.padEnd(w[1])}  ${c}`).join('\n') + '\n');
  const dir = join(projectRoot(), 'bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'bench.json'), JSON.stringify({ runtime: process.version, pipeline: Object.fromEntries(paths.map((p, i) => [p.label, pipeline[i]])), search: scans, startupSeconds: startup, latency: light, live: [live, raw], kernel: costs, overhead: o }, null, 2) + '\n');
}

main().catch((e) => {
  process.stderr.write(`bench: ${(e as Error).stack}\n`);
  process.exitCode = 1;
});
