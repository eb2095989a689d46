// A local OTLP/HTTP endpoint for the benchmark: accepts every request like
// a collector would and counts them. (The test suite's collector decodes
// strictly; here only throughput matters.)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AcceptingCollector {
  server: Server;
  stats: { requests: number; bytes: number };
  url: string;
}

export async function acceptingCollector(): Promise<AcceptingCollector> {
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
