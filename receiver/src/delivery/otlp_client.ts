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
  /** set when `compression` is the default, not one asked for: sent instead once the endpoint refuses it */
  fallback?: Compression;
  timeoutMs: number;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export type SendResult =
  | { kind: 'ok'; rejected: number; message?: string }
  | { kind: 'retry'; afterMs?: number; reason: string }
  /** answer: the status line and the whole response body, for the record kept of a refused batch */
  | { kind: 'fail'; status: number; reason: string; answer: string };

const RETRYABLE = new Set([429, 502, 503, 504]);
/** what an endpoint answers to a Content-Encoding it does not decode: the collector's decompressor 400, others 415 */
const ENCODING_REFUSED = new Set([400, 415]);

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
  private wire: Compression;
  private fallback: Compression | undefined;

  constructor(
    private readonly options: OtlpClientOptions,
    private readonly onError: (message: string) => void = () => {},
  ) {
    this.wire = options.compression;
    this.fallback = options.fallback;
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

  /** How requests are compressed now: the configured compression, or its fallback once the endpoint refused it. */
  get compression(): Compression {
    return this.wire;
  }

  /**
   * Sends a payload as it was encoded and compressed, whatever protocol and
   * compression are configured now (a spool may outlive a config). A batch
   * refused in the default compression is sent once more in its fallback:
   * taken, the fallback is what this client sends from then on; refused
   * too, the refusal is the batch's.
   */
  async send(payload: Uint8Array, encoding: SpoolEncoding, compression: Compression = 'none'): Promise<SendResult> {
    const result = await this.post(payload, encoding, compression, this.wire);
    const fallback = this.fallback;
    if (result.kind !== 'fail' || !fallback || !ENCODING_REFUSED.has(result.status)) return result;
    const again = await this.post(payload, encoding, compression, fallback);
    if (again.kind === 'ok') {
      this.onError(`${this.options.url} refused ${this.wire} (${result.reason}) and took ${fallback}: sending ${fallback} from now on (a compression named in the exporter's entry is sent as named)`);
      this.wire = fallback;
      this.fallback = undefined;
    }
    return again;
  }

  private post(payload: Uint8Array, encoding: SpoolEncoding, stored: Compression, wire: Compression): Promise<SendResult> {
    const body = recompress(payload, stored, wire);
    const headers: Record<string, string | number> = {
      ...this.options.headers,
      'content-type': contentType(encoding),
      'content-length': body.length,
    };
    if (wire !== 'none') headers['content-encoding'] = wire;
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
  return { kind: 'fail', status, reason, answer: `HTTP ${status} ${res.statusMessage ?? ''}\n${res.headers['content-type'] ? `content-type: ${res.headers['content-type']}\n` : ''}\n${text}` };
}

function collect(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}
