// A local OTLP/HTTP logs endpoint for tests: POST /v1/logs, protobuf or
// JSON by Content-Type, gzip or zstd as Content-Encoding says (anything else,
// or an encoding taken out of `decodes`, refused with 400, as the collector's
// decompressor does), decoded strictly (otlp_decode.ts).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { decodeJson, decodeProtobuf, ResponseType, type DecodedLog } from './otlp_decode';

export interface ReceivedRequest {
  contentType: string;
  /** the Content-Encoding header, 'none' without one */
  contentEncoding: string;
  records: DecodedLog[];
}

/** A scripted refusal: the request is answered with this instead of being accepted. */
export interface Refusal {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export class OtlpTestServer {
  readonly requests: ReceivedRequest[] = [];
  /** raw OTLP/protobuf metrics requests (POST /v1/metrics) */
  readonly metrics: Buffer[] = [];
  readonly errors: string[] = [];
  /** times (ms) at which requests were refused */
  readonly refusedAt: number[] = [];
  /** consulted for every logs request, with its records decoded; a Refusal answers it without accepting them */
  refuse: ((records: DecodedLog[]) => Refusal | undefined) | undefined;
  /** the Content-Encodings decoded, as a collector's compression_algorithms setting narrows them */
  decodes = new Set(['none', 'gzip', 'zstd']);
  /** requests refused for their Content-Encoding: path and encoding */
  readonly encodingRefused: string[] = [];
  private server: Server | undefined;

  get records(): DecodedLog[] {
    return this.requests.flatMap((r) => r.records);
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req).then(
        ({ status, body, type, headers }: { status: number; body: Buffer; type: string; headers?: Record<string, string> }) => {
          res.writeHead(status, { 'content-type': type, ...headers });
          res.end(body);
        },
        (e: Error) => {
          this.errors.push(e.message);
          res.writeHead(400, { 'content-type': 'text/plain' });
          res.end(e.message);
        },
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage) {
    if (req.method !== 'POST' || (req.url !== '/v1/logs' && req.url !== '/v1/metrics')) throw new Error(`unexpected ${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Buffer = Buffer.concat(chunks);
    const contentEncoding = req.headers['content-encoding'] ?? 'none';
    if (!this.decodes.has(contentEncoding)) {
      this.encodingRefused.push(`${req.url} ${contentEncoding}`);
      return { status: 400, type: 'text/plain', body: Buffer.from(`unsupported Content-Encoding: ${contentEncoding}`) };
    }
    if (contentEncoding === 'gzip') body = gunzipSync(body);
    else if (contentEncoding === 'zstd') body = zstdDecompressSync(body);
    else if (contentEncoding !== 'none') throw new Error(`unsupported Content-Encoding: ${contentEncoding}`);
    if (req.url === '/v1/metrics') {
      if (req.headers['content-type'] !== 'application/x-protobuf') throw new Error(`metrics as ${req.headers['content-type']}`);
      this.metrics.push(body);
      return { status: 200, type: 'application/x-protobuf', body: Buffer.alloc(0) };
    }
    const contentType = String(req.headers['content-type'] ?? '').split(';')[0];
    if (contentType !== 'application/x-protobuf' && contentType !== 'application/json') throw new Error(`unsupported content-type ${contentType}`);
    const records = contentType === 'application/json' ? decodeJson(body) : decodeProtobuf(body);
    const refusal = this.refuse?.(records);
    if (refusal) {
      this.refusedAt.push(Date.now());
      return { status: refusal.status, type: 'text/plain', body: Buffer.from(refusal.body ?? 'refused by the test'), headers: refusal.headers };
    }
    this.requests.push({ contentType, contentEncoding, records });
    if (contentType === 'application/json') return { status: 200, type: contentType, body: Buffer.from('{}') };
    return { status: 200, type: contentType, body: Buffer.from(ResponseType.encode(ResponseType.create({})).finish()) };
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
