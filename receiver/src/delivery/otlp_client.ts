// One OTLP/HTTP logs request and what the collector said, classified the
// way the OTLP specification asks: success (maybe partial), retryable
// (429, 502, 503, 504 and connection failures, with Retry-After), or final.
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { recompress, type Compression } from './compression';
import type { SpoolEncoding } from './spool';

export type Protocol = 'http/protobuf' | 'http/json';

export interface OtlpClientOptions {
  url: string;
  headers: Record<string, string>;
  compression: Compression;
  timeoutMs: number;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export type SendResult =
  | { kind: 'ok'; rejected: number; message?: string }
  | { kind: 'retry'; afterMs?: number; reason: string }
  /** answer: the status line and the whole response body, for the record kept of a refused batch */
  | { kind: 'fail'; reason: string; answer: string };

const RETRYABLE = new Set([429, 502, 503, 504]);

/** Retry-After: seconds, or an HTTP date. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function encodingOf(protocol: Protocol): SpoolEncoding {
  return protocol === 'http/json' ? 'json' : 'protobuf';
}

export function contentType(encoding: SpoolEncoding): string {
  return encoding === 'json' ? 'application/json' : 'application/x-protobuf';
}

const MAX_ANSWER = 64 << 10;

export class OtlpClient {
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly https: boolean;

  constructor(private readonly options: OtlpClientOptions) {
    const url = new URL(options.url);
    this.https = url.protocol === 'https:';
    const tls = options.tls ?? {};
    this.agent = this.https
      ? new HttpsAgent({
          keepAlive: true,
          ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
          cert: tls.certFile ? readFileSync(tls.certFile) : undefined,
          key: tls.keyFile ? readFileSync(tls.keyFile) : undefined,
        })
      : new HttpAgent({ keepAlive: true });
  }

  /**
   * Sends a payload as it was encoded and compressed, whatever protocol and
   * compression are configured now (a spool may outlive a config).
   */
  send(payload: Uint8Array, encoding: SpoolEncoding, compression: Compression = 'none'): Promise<SendResult> {
    const body = recompress(payload, compression, this.options.compression);
    const headers: Record<string, string | number> = {
      ...this.options.headers,
      'content-type': contentType(encoding),
      'content-length': body.length,
    };
    if (this.options.compression !== 'none') headers['content-encoding'] = this.options.compression;
    const request = this.https ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const req = request(this.options.url, { method: 'POST', headers, agent: this.agent, timeout: this.options.timeoutMs }, (res) => {
        collect(res).then(
          (data) => resolve(classify(res, data, encoding)),
          (e: Error) => resolve({ kind: 'retry', reason: `reading the response: ${e.message}` }),
        );
      });
      req.on('timeout', () => req.destroy(new Error(`no answer in ${this.options.timeoutMs} ms`)));
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'retry', reason: e.code ?? e.message }));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function classify(res: IncomingMessage, data: Buffer, encoding: SpoolEncoding): SendResult {
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) {
    try {
      const serializer = encoding === 'json' ? JsonLogsSerializer : ProtobufLogsSerializer;
      const partial = data.length ? serializer.deserializeResponse(data).partialSuccess : undefined;
      return { kind: 'ok', rejected: Number(partial?.rejectedLogRecords ?? 0), message: partial?.errorMessage || undefined };
    } catch {
      return { kind: 'ok', rejected: 0 };
    }
  }
  const text = data.subarray(0, MAX_ANSWER).toString('utf8');
  const reason = `HTTP ${status}${data.length ? `: ${text.slice(0, 200)}` : ''}`;
  if (RETRYABLE.has(status)) return { kind: 'retry', afterMs: retryAfterMs(res.headers['retry-after']), reason };
  return { kind: 'fail', reason, answer: `HTTP ${status} ${res.statusMessage ?? ''}\n${res.headers['content-type'] ? `content-type: ${res.headers['content-type']}\n` : ''}\n${text}` };
}

function collect(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}
