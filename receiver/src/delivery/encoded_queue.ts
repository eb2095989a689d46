// Queued records as the direct encoder's pending body: each record is
// encoded when it is queued, and a batch taken is one request's bytes.
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { OtlpLogsEncoder } from './otlp_protobuf';
import type { RecordQueue } from './record_queue';

export interface EncodedBatch {
  readonly length: number;
  /** the encoder's bytes: valid until the next take */
  readonly payload: Buffer;
}

export class EncodedQueue implements RecordQueue<EncodedBatch> {
  constructor(
    private readonly encoder: OtlpLogsEncoder,
    /** delivers one request of `records` records */
    private readonly deliver: (payload: Buffer, records: number, done: (result: ExportResult) => void) => void,
  ) {}

  get length(): number {
    return this.encoder.pendingCount;
  }

  push(record: ReadableLogRecord): void {
    this.encoder.append(record);
  }

  take(max: number): EncodedBatch {
    const length = Math.min(max, this.encoder.pendingCount);
    return { length, payload: this.encoder.take(length) };
  }

  export(batch: EncodedBatch, done: (result: ExportResult) => void): void {
    this.deliver(batch.payload, batch.length, done);
  }
}
