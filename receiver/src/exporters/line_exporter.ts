// A LogRecordExporter that writes formatted lines to a sink (stdout or a
// file). Failures are reported, never swallowed; a batch that is retried
// (the same array again) resumes from where its bytes stopped.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { LineFormatter } from './formats';
import type { Chunk, LineSink } from './line_sink';

export class LineExporter implements LogRecordExporter {
  private pending: (Chunk & { logs: ReadableLogRecord[] }) | undefined;

  constructor(
    readonly sink: LineSink,
    private readonly format: LineFormatter,
  ) {}

  export(logs: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    if (this.pending?.logs !== logs) this.pending = { logs, bytes: Buffer.from(this.format(logs)), written: 0 };
    this.sink.write(this.pending).then(
      () => {
        this.pending = undefined;
        done({ code: ExportResultCode.SUCCESS });
      },
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {
    await this.sink.close();
  }
}
