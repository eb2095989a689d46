// Runs a Receiver in the test process with an exporter that keeps every
// record, so tests can wait for the records their own actions caused.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { DEFAULT_CONFIG } from '../../receiver/src/config/defaults';
import type { Config } from '../../receiver/src/config/types';
import { Receiver, type ReceiverStats } from '../../receiver/src/receiver';

export class CapturingExporter implements LogRecordExporter {
  readonly records: ReadableLogRecord[] = [];
  /** when each record reached the exporter (ms since the epoch), by index in records */
  readonly arrivedMs: number[] = [];
  export(logs: ReadableLogRecord[], done: (r: ExportResult) => void): void {
    const now = Date.now();
    for (const l of logs) this.arrivedMs.push(now);
    this.records.push(...logs);
    done({ code: ExportResultCode.SUCCESS });
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

export type Attrs = Record<string, unknown>;

export class CapturedRun {
  readonly exporter = new CapturingExporter();
  readonly errors: Error[] = [];
  readonly receiver: Receiver;

  /** shipped: the default limits, as an installation has them (otherwise batches are flushed after 20 ms) */
  constructor(adjust: (c: Config) => void = () => {}, shipped = false) {
    const config = structuredClone(DEFAULT_CONFIG);
    if (!shipped) config.limits.flush_interval_ms = config.limits.idle_flush_ms = 20;
    adjust(config);
    this.receiver = new Receiver(config, { exporters: [this.exporter], onError: (e) => this.errors.push(e) });
    this.receiver.start();
  }

  /** ms from a record's Timestamp (the kernel's event) to its arrival at the exporter */
  latencyMs(record: ReadableLogRecord): number {
    const at = this.exporter.arrivedMs[this.exporter.records.indexOf(record)];
    return at - (record.hrTime[0] * 1000 + record.hrTime[1] / 1e6);
  }

  find(eventName: string, match: (a: Attrs) => boolean): ReadableLogRecord[] {
    return this.exporter.records.filter((r) => r.eventName === eventName && match(r.attributes as Attrs));
  }

  /** Waits until `count` records of eventName match, or fails naming what was seen. */
  waitFor(eventName: string, match: (a: Attrs) => boolean, count = 1, timeoutMs = 5000): Promise<ReadableLogRecord[]> {
    return this.waitForRecords((r) => r.eventName === eventName && match(r.attributes as Attrs), count, timeoutMs, eventName);
  }

  async waitForRecords(test: (r: ReadableLogRecord) => boolean, count: number, timeoutMs = 5000, what = 'matching'): Promise<ReadableLogRecord[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.exporter.records.filter(test);
      if (found.length >= count) return found;
      if (Date.now() > deadline) {
        const seen = this.exporter.records.slice(-10).map((r) => r.body);
        throw new Error(`waited ${timeoutMs} ms for ${count} ${what} record(s), found ${found.length}; last records:\n${seen.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  stop(): Promise<ReceiverStats> {
    return this.receiver.stop();
  }
}
