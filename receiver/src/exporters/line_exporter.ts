// A LogRecordExporter that writes formatted lines to a stream (stdout or a
// file). Write errors fail the export instead of vanishing.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { LineFormatter } from './formats';

export class LineExporter implements LogRecordExporter {
  private failure: Error | undefined;

  constructor(
    private readonly out: Writable,
    private readonly format: LineFormatter,
    private readonly closeStream: boolean,
  ) {
    out.on('error', (e) => (this.failure = e));
  }

  export(logs: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    if (this.failure) return done({ code: ExportResultCode.FAILED, error: this.failure });
    const text = this.format(logs);
    if (text === '' || this.out.write(text)) return done({ code: ExportResultCode.SUCCESS });
    // honour the stream's backpressure before reporting the batch as written
    once(this.out, 'drain').then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {
    if (!this.closeStream) return;
    await new Promise<void>((resolve) => this.out.end(resolve));
  }
}
