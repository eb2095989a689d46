// SyslogExporterConfig -> SyslogExporter with the transport its endpoint names.
import { hostname } from 'node:os';
import type { SyslogExporterConfig } from '../../config/types';
import { SyslogExporter } from './syslog_exporter';
import { StreamTransport } from './stream_transport';
import { parseEndpoint, type SyslogTransport } from './syslog_transport';
import { UdpTransport } from './udp_transport';
import { UnixTransport } from './unix_transport';

/** RFC 5426 asks every receiver to take 2048-byte datagrams; rsyslog and syslog-ng take 8192 by default. */
export function maxMessageBytes(config: SyslogExporterConfig): number {
  return config.max_message_bytes ?? (parseEndpoint(config.endpoint).kind === 'udp' ? 2048 : 8192);
}

function transport(config: SyslogExporterConfig): SyslogTransport {
  const e = parseEndpoint(config.endpoint);
  switch (e.kind) {
    case 'unix':
      return new UnixTransport(e);
    case 'udp':
      return new UdpTransport(e);
    default: {
      const tls = config.tls && { caFile: config.tls.ca_file, certFile: config.tls.cert_file, keyFile: config.tls.key_file };
      return new StreamTransport(e, { resendBytes: config.resend_bytes, connectTimeoutMs: config.connect_timeout_ms, tls });
    }
  }
}

export function createSyslogExporter(config: SyslogExporterConfig): SyslogExporter {
  return new SyslogExporter(transport(config), {
    format: config.format,
    message: config.message,
    facility: config.facility,
    sdId: config.sd_id,
    hostname: hostname(),
    procId: process.pid,
    maxBytes: maxMessageBytes(config),
  });
}
