// The live run: bpfaudit attached, the highest connect/accept/close rate two
// load processes reach on this machine, for a fixed time; every drop counter
// afterwards, and the receiver's peak resident memory.
import { acceptingCollector, latencySummary } from './collector';
import { measured, settle, type Latencies } from './latency';
import { loadScript, rssMiB, start } from './processes';
import { startReceiver, stopReceiver, type Summary } from './receiver_process';

export interface LiveResult {
  dedup: boolean;
  seconds: number;
  connections: number;
  connectionsPerSecond: number;
  /** kernel events: 4 per connection (connect, accept, two closes), plus the load's own */
  summary: Summary;
  peakRssMiB: number;
  /** event -> collector, for the light mix that runs beside the load (one request in 5 sampled) */
  latency: Latencies;
}

export async function liveRun(seconds: number, dedup: boolean, loaders = 2, concurrency = 4): Promise<LiveResult> {
  const collector = await acceptingCollector(5);
  const sink = start([...loadScript('sink'), '127.0.0.1']);
  const { port } = await sink.line();
  const receiver = await startReceiver(collector.url, dedup ? [] : ['dedup: { kinds: [] }']);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(receiver.proc.pid!))), 500);
  const runs = Array.from({ length: loaders }, () => start([...loadScript('connect_loop'), '127.0.0.1', String(port), `seconds=${seconds}`, String(concurrency)]));
  const mix = start([...loadScript('light_mix'), '127.0.0.1', String(port), String(seconds)]);
  const results = await Promise.all(runs.map((r) => r.line()));
  await Promise.all(runs.map((r) => r.exited));
  await mix.line();
  await mix.exited;
  await settle();
  peak = Math.max(peak, rssMiB(receiver.proc.pid!));
  clearInterval(sampler);
  const summary = await stopReceiver(receiver);
  sink.proc.kill();
  await sink.exited;
  collector.server.close();
  const connections = results.reduce((n, r) => n + r.connections, 0);
  const elapsed = Math.max(...results.map((r) => r.seconds));
  return { dedup, seconds: elapsed, connections, connectionsPerSecond: connections / elapsed, summary, peakRssMiB: Math.round(peak), latency: measured(latencySummary(collector.latencies)) };
}
