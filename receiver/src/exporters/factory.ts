// ExporterConfig -> LogRecordExporter.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { ExporterConfig } from '../config/types';
import { SpoolingOtlpExporter } from '../delivery/spooling_otlp_exporter';
import { formatter } from './formats';
import { LineExporter } from './line_exporter';
import { otlpClientOptions } from './otlp_settings';

/** index: the exporter's place in the config list, which names its spool directory. */
export function createExporter(config: ExporterConfig, index: number, onError: (message: string) => void): LogRecordExporter {
  switch (config.type) {
    case 'stdout':
      return new LineExporter(process.stdout, formatter(config.format), false);
    case 'file':
      return new LineExporter(createWriteStream(config.path, { flags: 'a', mode: 0o640 }), formatter(config.format), true);
    case 'otlp':
      return new SpoolingOtlpExporter({
        ...otlpClientOptions(config),
        spoolDir: join(config.spool.dir, `otlp-${index}`),
        spoolMaxBytes: config.spool.max_bytes,
        retry: { initialMs: config.retry.initial_ms, maxMs: config.retry.max_ms },
        encoder: config.encoder,
        onError,
      });
  }
}
