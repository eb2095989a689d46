// Pipeline throughput: raw ring-buffer records (in the kernel's layout, as
// the addon frames them) -> decode -> map -> SDK -> OTLP/HTTP protobuf,
// until a local server has accepted every record.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_CONFIG, EXPORTER_DEFAULTS } from '../config/defaults';
import { execRecord, exitRecord, frameBatch, tcpRecord } from '../decode/encode';
import { EventType } from '../decode/layout';
import { Receiver } from '../receiver';

function sampleBatch(count: number): Buffer {
  const records: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const k = BigInt(i) * 1000n + 1n;
    switch (i % 4) {
      case 0:
        records.push(execRecord({ ktimeNs: k, exe: '/usr/bin/curl', argv: ['curl', '-s', `https://example.org/${i}`] }));
        break;
      case 1:
        records.push(tcpRecord({ type: EventType.EVENT_TCP_CONNECT, ktimeNs: k, family: 2, laddr: [10, 0, 0, 5], lport: 40000 + (i % 20000), raddr: [93, 184, 216, 34], rport: 443 }));
        break;
      case 2:
        records.push(tcpRecord({ type: EventType.EVENT_TCP_CLOSE, ktimeNs: k, family: 2, laddr: [10, 0, 0, 5], lport: 40000 + (i % 20000), raddr: [93, 184, 216, 34], rport: 443, durationNs: 5_000_000n, bytesSent: 100n, bytesReceived: 4000n }));
        break;
      default:
        records.push(exitRecord(k, 0));
    }
  }
  return frameBatch(records);
}

export interface PipelineResult {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  requests: number;
  bytesOnWire: number;
}

/** Counts what it is sent and accepts it, answering like a collector. */
async function acceptingServer() {
  const stats = { requests: 0, bytes: 0 };
  const server = createServer((req, res) => {
    req.on('data', (d: Buffer) => (stats.bytes += d.length));
    req.on('end', () => {
      stats.requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, stats, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export async function pipelineThroughput(total: number, batchEvents = 2000): Promise<PipelineResult> {
  const { server, stats, url } = await acceptingServer();
  const config = structuredClone(DEFAULT_CONFIG);
  config.exporters = [{ type: 'otlp', endpoint: url, protocol: 'http/protobuf', ...structuredClone(EXPORTER_DEFAULTS.otlp) }];
  config.limits.queue_size = total;
  config.limits.export_batch_size = 8192;
  const receiver = new Receiver(config);
  const batch = sampleBatch(batchEvents);
  const start = process.hrtime.bigint();
  for (let sent = 0; sent < total; sent += batchEvents) {
    receiver.handleBatch(batch);
    // let the exporter's timers and sockets run between batches, as the drain thread would
    if ((sent / batchEvents) % 8 === 0) await new Promise((r) => setImmediate(r));
  }
  const stopped = await receiver.stop();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  server.close();
  return { events: stopped.emitted, seconds, eventsPerSecond: stopped.emitted / seconds, requests: stats.requests, bytesOnWire: stats.bytes };
}
