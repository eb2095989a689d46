// Event-to-collector latency under a light load: bpfaudit with the shipped
// limits and the redundancy cache on, an exec, a TCP connection and a UDP
// datagram to a new peer every 50 ms; every request's records timed.
import { acceptingCollector, latencySummary } from './collector';
import { loadScript, start } from './processes';
import { startReceiver, stopReceiver } from './receiver_process';

export type Latencies = ReturnType<typeof latencySummary>;

export async function lightLatency(seconds: number): Promise<Latencies> {
  const collector = await acceptingCollector(1);
  const sink = start([...loadScript('sink'), '127.0.0.1']);
  const { port } = await sink.line();
  const receiver = await startReceiver(collector.url);
  const mix = start([...loadScript('light_mix'), '127.0.0.1', String(port), String(seconds)]);
  await mix.line();
  await mix.exited;
  await settle();
  await stopReceiver(receiver);
  sink.proc.kill();
  await sink.exited;
  collector.server.close();
  return measured(latencySummary(collector.latencies));
}

/** Latencies with a figure for every kind: a kind that produced no record is an error, not a blank. */
export function measured(l: Latencies): Latencies {
  for (const [kind, v] of Object.entries(l)) if (v.n === 0) throw new Error(`no ${kind} record reached the collector: latency not measurable`);
  return l;
}

/**
 * Lets the last records of a run reach the collector before the receiver is
 * stopped: detaching the probes holds the event loop for about a second, and
 * records still queued then would measure the shutdown, not the pipeline.
 */
export function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 1500));
}
