// ExporterConfig -> LogRecordExporter.
import { join } from 'node:path';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { ExporterConfig } from '../config/types';
import { SpoolingOtlpExporter } from '../delivery/spooling_otlp_exporter';
import { FileSink } from './file_sink';
import { formatter } from './formats';
import { LineExporter } from './line_exporter';
import { StreamSink } from './stream_sink';
import { otlpClientOptions } from './otlp_settings';
import { createSyslogExporter } from './syslog/syslog_factory';

/**
 * index: the exporter's place in the config list, which names its spool directory.
 * Throws when a file cannot be opened, a spool is in use by another receiver
 * or a TLS file cannot be read.
 */
export function createExporter(config: ExporterConfig, index: number, onError: (message: string) => void): LogRecordExporter {
  switch (config.type) {
    case 'stdout':
      return new LineExporter(new StreamSink(process.stdout), formatter(config.format));
    case 'file':
      return new LineExporter(new FileSink(config.path), formatter(config.format));
    case 'otlp':
      return new SpoolingOtlpExporter({
        ...otlpClientOptions(config),
        spoolDir: join(config.spool.dir, `otlp-${index}`),
        spoolMaxBytes: config.spool.max_bytes,
        retry: { initialMs: config.retry.initial_ms, maxMs: config.retry.max_ms },
        encoder: config.encoder,
        onError,
      });
    case 'syslog':
      return createSyslogExporter(config);
  }
}
