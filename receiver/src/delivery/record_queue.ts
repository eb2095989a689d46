// What a DeliveryProcessor holds for its exporter between a record's arrival
// and its export. An exporter that can encode records one at a time queues
// their bytes instead of the records: a record is then garbage as soon as it
// is queued, so the records of a busy batch do not outlive the young
// generation and get copied and promoted by the garbage collector.
import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';

export interface QueuedBatch {
  /** records in the batch */
  readonly length: number;
}

export interface RecordQueue<B extends QueuedBatch = QueuedBatch> {
  /** records queued */
  readonly length: number;
  push(record: ReadableLogRecord): void;
  /** takes up to `max` of the oldest records out of the queue */
  take(max: number): B;
  /** exports a batch taken from this queue; may be called again with the same batch after a failure */
  export(batch: B, done: (result: ExportResult) => void): void;
}

/** An exporter that brings its own queue. */
export interface QueueingExporter extends LogRecordExporter {
  createQueue(): RecordQueue;
}

function isQueueing(e: LogRecordExporter): e is QueueingExporter {
  return typeof (e as Partial<QueueingExporter>).createQueue === 'function';
}

/** The records themselves, handed to export() as they are. */
export class ObjectQueue implements RecordQueue<ReadableLogRecord[]> {
  private records: ReadableLogRecord[] = [];

  constructor(private readonly exporter: LogRecordExporter) {}

  get length(): number {
    return this.records.length;
  }

  push(record: ReadableLogRecord): void {
    this.records.push(record);
  }

  take(max: number): ReadableLogRecord[] {
    return this.records.splice(0, max);
  }

  export(batch: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    this.exporter.export(batch, done);
  }
}

export function queueFor(exporter: LogRecordExporter): RecordQueue {
  return isQueueing(exporter) ? exporter.createQueue() : new ObjectQueue(exporter);
}
