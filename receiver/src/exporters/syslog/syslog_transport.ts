// Where syslog messages go: the endpoint forms of the config and what every
// transport promises the exporter.
import { RetryableExportError } from '../../delivery/retryable';

export type UnixEndpoint = { kind: 'unix'; path: string };
export type HostEndpoint = { kind: 'udp' | 'tcp' | 'tls'; host: string; port: number };
export type SyslogEndpoint = UnixEndpoint | HostEndpoint;

/** unix:///dev/log, udp://host:514, tcp://[::1]:601, tls://siem.example:6514 */
export const ENDPOINT_PATTERN = /^(?:unix:\/\/(\/\S+)|(udp|tcp|tls):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5}))$/;

export function parseEndpoint(s: string): SyslogEndpoint {
  const m = ENDPOINT_PATTERN.exec(s);
  if (!m) throw new Error(`${s}: not unix:///path, udp://host:port, tcp://host:port or tls://host:port`);
  if (m[1]) return { kind: 'unix', path: m[1] };
  const port = Number(m[4]);
  if (port < 1 || port > 65535) throw new Error(`${s}: port ${port} is not from 1 to 65535`);
  return { kind: m[2] as 'udp' | 'tcp' | 'tls', host: m[3].replace(/^\[|\]$/g, ''), port };
}

export function endpointText(e: SyslogEndpoint): string {
  return e.kind === 'unix' ? `unix://${e.path}` : `${e.kind}://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

export interface TransportStats {
  /** messages written again on a new connection because the old one ended before the receiver could have read them */
  resent: number;
  /** connections (or sockets) opened after the first */
  reconnects: number;
}

/** How far a batch got: a retry goes on from `next`. */
export interface Progress {
  next: number;
}

export interface SyslogTransport {
  /**
   * Sends messages[progress.next..], advancing progress.next as each is
   * handed over; rejects with a RetryableExportError when the receiver
   * cannot be reached (the delivery processor holds the batch and retries).
   */
  send(messages: Buffer[], progress: Progress): Promise<void>;
  close(): Promise<void>;
  stats(): TransportStats;
}

export function unreachable(e: SyslogEndpoint, why: string, cause?: unknown): RetryableExportError {
  return new RetryableExportError(`${endpointText(e)}: ${why}`, { cause });
}
