// ExporterConfig -> LogRecordExporter.
import { createWriteStream } from 'node:fs';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import type { ExporterConfig, OtlpExporterConfig, OtlpProtocol } from '../config/types';
import { formatter } from './formats';
import { LineExporter } from './line_exporter';

/** config first, then the standard OTEL_EXPORTER_OTLP_* variables, then protobuf. */
export function otlpProtocol(config: OtlpExporterConfig, env = process.env): OtlpProtocol {
  const fromEnv = env.OTEL_EXPORTER_OTLP_LOGS_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (config.protocol) return config.protocol;
  if (fromEnv === 'http/json' || fromEnv === 'http/protobuf') return fromEnv;
  if (fromEnv) throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL=${fromEnv} is not supported (http/protobuf or http/json)`);
  return 'http/protobuf';
}

/** The endpoint of the config is a base URL like the collector's; the env variables the SDK reads itself. */
export function otlpUrl(config: OtlpExporterConfig): string | undefined {
  if (!config.endpoint) return undefined;
  return config.endpoint.replace(/\/+$/, '') + '/v1/logs';
}

export function createExporter(config: ExporterConfig): LogRecordExporter {
  switch (config.type) {
    case 'stdout':
      return new LineExporter(process.stdout, formatter(config.format), false);
    case 'file':
      return new LineExporter(createWriteStream(config.path, { flags: 'a', mode: 0o640 }), formatter(config.format), true);
    case 'otlp': {
      const options = {
        url: otlpUrl(config),
        headers: config.headers,
        timeoutMillis: config.timeout_ms,
      };
      return otlpProtocol(config) === 'http/json' ? new OtlpHttpJsonExporter(options) : new OtlpProtobufExporter(options);
    }
  }
}
