// The effective settings of an otlp exporter: the config file first, then
// the standard OTEL_EXPORTER_OTLP_LOGS_* / OTEL_EXPORTER_OTLP_* variables,
// then the OTLP specification's defaults, but for compression (see
// OTLP_COMPRESSION_DEFAULT).
import type { OtlpExporterConfig } from '../config/types';
import { COMPRESSIONS, isCompression, type Compression } from '../delivery/compression';
import type { OtlpClientOptions, Protocol } from '../delivery/otlp_client';
import { OTLP_COMPRESSION_DEFAULT } from '../config/defaults';

type Env = Record<string, string | undefined>;

function pick(env: Env, name: string): string | undefined {
  return env[`OTEL_EXPORTER_OTLP_LOGS_${name}`] ?? env[`OTEL_EXPORTER_OTLP_${name}`];
}

/** k1=v1,k2=v2 with percent-encoded values. */
export function parseHeaders(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (raw ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    out[decodeURIComponent(part.slice(0, eq).trim())] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

export function otlpProtocol(config: OtlpExporterConfig, env: Env = process.env): Protocol {
  if (config.protocol) return config.protocol;
  const fromEnv = pick(env, 'PROTOCOL');
  if (fromEnv === 'http/json' || fromEnv === 'http/protobuf') return fromEnv;
  if (fromEnv) throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL=${fromEnv} is not supported (http/protobuf or http/json)`);
  return 'http/protobuf';
}

/** A compression asked for is used as is; the default one has a fallback for an endpoint that refuses it. */
function otlpCompression(config: OtlpExporterConfig, env: Env = process.env): { compression: Compression; fallback?: Compression } {
  if (config.compression) return { compression: config.compression };
  const fromEnv = pick(env, 'COMPRESSION');
  if (fromEnv === undefined || fromEnv === '') return { ...OTLP_COMPRESSION_DEFAULT };
  if (isCompression(fromEnv)) return { compression: fromEnv };
  throw new Error(`OTEL_EXPORTER_OTLP_COMPRESSION=${fromEnv} is not supported (${COMPRESSIONS.join(', ')})`);
}

/** The logs URL: a configured or OTEL_EXPORTER_OTLP_ENDPOINT base gets /v1/logs; the LOGS variable is used as is. */
export function otlpUrl(config: OtlpExporterConfig, env: Env = process.env): string {
  if (config.endpoint) return config.endpoint.replace(/\/+$/, '') + '/v1/logs';
  if (env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT) return env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT;
  return (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318').replace(/\/+$/, '') + '/v1/logs';
}

/** The client settings, and the protocol new batches are encoded in. */
export function otlpClientOptions(config: OtlpExporterConfig, env: Env = process.env): OtlpClientOptions & { protocol: Protocol } {
  const timeout = config.timeout_ms ?? Number(pick(env, 'TIMEOUT') ?? 10_000);
  return {
    url: otlpUrl(config, env),
    protocol: otlpProtocol(config, env),
    headers: { ...parseHeaders(pick(env, 'HEADERS')), ...config.headers },
    ...otlpCompression(config, env),
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 10_000,
    tls: {
      caFile: config.tls?.ca_file ?? pick(env, 'CERTIFICATE'),
      certFile: config.tls?.cert_file ?? pick(env, 'CLIENT_CERTIFICATE'),
      keyFile: config.tls?.key_file ?? pick(env, 'CLIENT_KEY'),
    },
  };
}
