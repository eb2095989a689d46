// The OTLP exporter: each batch is serialised once, written to the spool
// (so it survives a collector outage or a restart) and handed to the sender.
// export() reports success once the batch is on disk.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { OtlpClient, type OtlpClientOptions } from './otlp_client';
import { Spool, type SpoolStats } from './spool';
import { SpoolSender, type RetryPolicy, type SenderStats } from './spool_sender';

export interface SpoolingOtlpOptions extends OtlpClientOptions {
  spoolDir: string;
  spoolMaxBytes: number;
  retry: RetryPolicy;
  onError?: (message: string) => void;
}

export interface OtlpDeliveryStats extends SenderStats {
  spool: SpoolStats;
}

export class SpoolingOtlpExporter implements LogRecordExporter {
  private readonly spool: Spool;
  private readonly sender: SpoolSender;
  private stopped = false;

  constructor(private readonly options: SpoolingOtlpOptions) {
    this.spool = new Spool(options.spoolDir, options.spoolMaxBytes);
    this.sender = new SpoolSender(this.spool, new OtlpClient(options), options.retry, options.onError);
    this.sender.start();
  }

  export(logs: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    try {
      const serializer = this.options.protocol === 'http/json' ? JsonLogsSerializer : ProtobufLogsSerializer;
      const payload = serializer.serializeRequest(logs);
      if (!payload) throw new Error('the OTLP serializer produced nothing');
      this.spool.append(payload, logs.length);
      this.sender.notify();
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  async forceFlush(): Promise<void> {}

  /** Sends what the spool holds until the deadline (ms since epoch). */
  drain(deadline: number): Promise<boolean> {
    return this.sender.drain(deadline);
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.sender.stop();
  }

  stats(): OtlpDeliveryStats {
    return { ...this.sender.stats(), spool: this.spool.stats() };
  }
}
