// The OTLP exporter: each batch is serialised (and compressed) once, written to the spool
// (so it survives a collector outage or a restart) and handed to the sender.
// Up to MAX_WRITES batches are written at once: export() reports success as
// soon as its batch is being written and fewer than that are, so the delivery
// queue goes on while the disk syncs. A write that fails (a full disk) keeps
// its bytes and is tried again with backoff, holding its place among the
// writes, so a disk that stays full backs up into the queue and the kernel's
// ring; only once shutdown's deadline has passed is it given up and counted.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { encodingOf, OtlpClient, type OtlpClientOptions, type Protocol } from './otlp_client';
import { compress, type Compression } from './compression';
import { OtlpLogsEncoder } from './otlp_protobuf';
import { EncodedQueue } from './encoded_queue';
import { ObjectQueue, type QueueingExporter, type RecordQueue } from './record_queue';
import { Spool, type SpoolEncoding, type SpoolStats } from './spool';
import { backoffMs, SpoolSender, type RetryPolicy, type SenderStats } from './spool_sender';
import { retryPause } from './retryable';
import { LOCAL_RETRY } from '../config/defaults';

export interface SpoolingOtlpOptions extends OtlpClientOptions {
  /** how new batches are encoded; spooled ones are sent as they were */
  protocol: Protocol;
  spoolDir: string;
  spoolMaxBytes: number;
  retry: RetryPolicy;
  /** http/protobuf: the direct encoder (default) or the SDK's serializer */
  encoder: 'direct' | 'sdk';
  onError?: (message: string) => void;
}

export interface OtlpDeliveryStats extends SenderStats {
  spool: SpoolStats;
}

/** libuv's thread pool has four threads; the disk commits concurrent syncs together */
const MAX_WRITES = 4;

export class SpoolingOtlpExporter implements QueueingExporter {
  private readonly spool: Spool;
  private readonly sender: SpoolSender;
  private stopped = false;
  private readonly serialize: (logs: ReadableLogRecord[]) => Uint8Array | undefined;
  /** the direct encoder, which also encodes records as they are queued */
  private readonly encoder: OtlpLogsEncoder | undefined;
  private readonly encoding: SpoolEncoding;
  /** new batches are compressed as it sends them: its fallback, once the endpoint refused the default */
  private readonly client: OtlpClient;
  /** the batches being written, each settling (never rejecting) once it is on disk or given up and counted */
  private readonly writes = new Set<Promise<void>>();
  private writeFailed = 0;
  private abandoned = false;
  /** end the pauses of writes waiting to try again */
  private readonly wakers = new Set<() => void>();
  private readonly onError: (message: string) => void;

  /** Throws SpoolLockedError while another receiver uses the spool. */
  constructor(options: SpoolingOtlpOptions) {
    this.spool = new Spool(options.spoolDir, options.spoolMaxBytes);
    this.encoding = encodingOf(options.protocol);
    this.onError = options.onError ?? (() => {});
    this.client = new OtlpClient(options, this.onError);
    this.sender = new SpoolSender(this.spool, this.client, options.retry, options.onError);
    this.sender.start();
    if (options.protocol === 'http/json') this.serialize = (logs) => JsonLogsSerializer.serializeRequest(logs);
    else if (options.encoder === 'sdk') this.serialize = (logs) => ProtobufLogsSerializer.serializeRequest(logs);
    else {
      const encoder = new OtlpLogsEncoder();
      this.encoder = encoder;
      this.serialize = (logs) => encoder.encode(logs);
    }
  }

  export(logs: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    try {
      const payload = this.serialize(logs);
      if (!payload) throw new Error('the OTLP serializer produced nothing');
      this.spoolPayload(payload, logs.length, done);
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  private spoolPayload(payload: Uint8Array, records: number, done: (result: ExportResult) => void): void {
    let bytes: Uint8Array;
    const compression = this.client.compression;
    try {
      // bytes of its own: the encoder reuses the payload's once done is called
      bytes = compress(payload, compression);
    } catch (error) {
      return done({ code: ExportResultCode.FAILED, error: error as Error });
    }
    const written: Promise<void> = this.write(bytes, records, compression).finally(() => this.writes.delete(written));
    this.writes.add(written);
    if (this.writes.size < MAX_WRITES) done({ code: ExportResultCode.SUCCESS });
    else void Promise.race(this.writes).then(() => done({ code: ExportResultCode.SUCCESS }));
  }

  /** Writes a batch to the spool, trying again while it fails, until abandon(). */
  private async write(bytes: Uint8Array, records: number, compression: Compression): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.spool.append(bytes, records, this.encoding, compression);
        if (attempt > 0) this.onError(`spool ${this.spool.dir}: writing again; the held records are on disk`);
        this.sender.notify();
        return;
      } catch (error) {
        const why = (error as Error).message;
        if (this.abandoned) {
          this.writeFailed += records;
          this.onError(`could not spool ${records} records: ${why}; counted as failed`);
          return;
        }
        if (attempt === 0) this.onError(`spool ${this.spool.dir}: ${why}; holding ${records} records (later ones wait in the queue and the kernel's ring) and retrying`);
        await retryPause(backoffMs(attempt, LOCAL_RETRY), this.wakers);
      }
    }
  }

  /** Shutdown's deadline passed: a write failing from now on is tried once more, then counted as failed. */
  abandon(): void {
    this.abandoned = true;
    for (const wake of [...this.wakers]) wake();
  }

  /** The direct encoder's records are encoded as they are queued; other encodings queue the records. */
  createQueue(): RecordQueue {
    return this.encoder ? new EncodedQueue(this.encoder, (payload, records, done) => this.spoolPayload(payload, records, done)) : new ObjectQueue(this);
  }

  /**
   * While the spool is nearly full the delivery queue stops taking records,
   * so a slow or absent collector backs up into the kernel's ring buffer
   * (where losses are counted by kind) instead of discarding spooled batches.
   */
  hasRoom(): boolean {
    return this.spool.hasRoom();
  }

  /** Waits until every batch taken is on disk (or counted as failed). */
  async forceFlush(): Promise<void> {
    await Promise.all(this.writes);
  }

  /** Sends what the spool holds until the deadline (ms since epoch). */
  drain(deadline: number): Promise<boolean> {
    return this.sender.drain(deadline);
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.forceFlush();
    await this.sender.stop();
    this.spool.close();
  }

  stats(): OtlpDeliveryStats {
    const sent = this.sender.stats();
    return { ...sent, failed: sent.failed + this.writeFailed, spool: this.spool.stats() };
  }
}
