// A LogRecordExporter that sends each record as one syslog message. A batch
// is formatted once (its sequence numbers fixed), so a retry after a lost
// connection goes on where it stopped with the same messages; the delivery
// processor holds it and backs off meanwhile.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { syslogMessage, type SyslogMessageOptions } from './syslog_message';
import type { Progress, SyslogTransport } from './syslog_transport';

export interface SyslogStats {
  /** messages handed to the transport */
  sent: number;
  /** messages cut to max_message_bytes (flagged truncated_from in the message) */
  truncated: number;
  resent: number;
  reconnects: number;
}

/** RFC 5424's sequenceId runs from 1 to 2^31-1, then starts at 1 again. */
const MAX_SEQUENCE = 2147483647;

export class SyslogExporter implements LogRecordExporter {
  private pending: { logs: ReadableLogRecord[]; messages: Buffer[]; progress: Progress } | undefined;
  private sequence = 0;
  private readonly counts = { sent: 0, truncated: 0 };

  constructor(
    private readonly transport: SyslogTransport,
    private readonly options: SyslogMessageOptions,
  ) {}

  private format(logs: ReadableLogRecord[]): Buffer[] {
    return logs.map((r) => {
      this.sequence = (this.sequence % MAX_SEQUENCE) + 1;
      const m = syslogMessage(r, this.sequence, this.options);
      if (m.truncatedFrom !== undefined) this.counts.truncated++;
      return m.bytes;
    });
  }

  export(logs: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    if (this.pending?.logs !== logs) this.pending = { logs, messages: this.format(logs), progress: { next: 0 } };
    const pending = this.pending;
    const before = pending.progress.next;
    this.transport.send(pending.messages, pending.progress).then(
      () => {
        this.counts.sent += pending.messages.length - before;
        this.pending = undefined;
        done({ code: ExportResultCode.SUCCESS });
      },
      (error: Error) => {
        this.counts.sent += pending.progress.next - before;
        done({ code: ExportResultCode.FAILED, error });
      },
    );
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {
    await this.transport.close();
  }

  stats(): SyslogStats {
    return { ...this.counts, ...this.transport.stats() };
  }
}
