// A local OTLP/HTTP endpoint for the benchmark: accepts every request like
// a collector would and counts them. (The test suite's collector decodes
// strictly; here only throughput matters.) With latency sampling on, it
// also notes how long after its Timestamp each record arrived, by event
// name, for one request in `sampleEvery` (repeat summaries left out: they are
// stamped at their window's end, not at an event).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decompress, isCompression } from '../delivery/compression';
import { recordTimes } from './otlp_times';
import { percentile } from './percentile';

export interface AcceptingCollector {
  server: Server;
  stats: { requests: number; bytes: number };
  /** ms from a record's Timestamp to its arrival, by event name */
  latencies: Map<string, number[]>;
  url: string;
}

export async function acceptingCollector(sampleEvery = 0): Promise<AcceptingCollector> {
  const stats = { requests: 0, bytes: 0 };
  const latencies = new Map<string, number[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const sampled = sampleEvery > 0 && req.url === '/v1/logs' && stats.requests % sampleEvery === 0;
    req.on('data', (d: Buffer) => {
      stats.bytes += d.length;
      if (sampled) chunks.push(d);
    });
    req.on('end', () => {
      stats.requests++;
      if (sampled) {
        const arrivedNs = BigInt(Date.now()) * 1_000_000n;
        const body = Buffer.concat(chunks);
        const encoding = req.headers['content-encoding'] ?? 'none';
        for (const r of recordTimes(isCompression(encoding) ? decompress(body, encoding) : body)) {
          if (r.summary) continue;
          const list = latencies.get(r.eventName) ?? [];
          list.push(Number(arrivedNs - r.timeUnixNs) / 1e6);
          latencies.set(r.eventName, list);
        }
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, stats, latencies, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** p50/p99 per kind (exec, TCP, UDP) of the sampled latencies. */
export function latencySummary(latencies: Map<string, number[]>): Record<'exec' | 'tcp' | 'udp', { p50: number; p99: number; n: number }> {
  const kinds = { exec: ['process.exec'], tcp: ['network.tcp.connect', 'network.tcp.accept', 'network.tcp.close'], udp: ['network.udp.send'] };
  const out = {} as Record<'exec' | 'tcp' | 'udp', { p50: number; p99: number; n: number }>;
  for (const [kind, names] of Object.entries(kinds) as ['exec' | 'tcp' | 'udp', string[]][]) {
    const xs = names.flatMap((n) => latencies.get(n) ?? []);
    out[kind] = { p50: xs.length ? percentile(xs, 50) : NaN, p99: xs.length ? percentile(xs, 99) : NaN, n: xs.length };
  }
  return out;
}
