// The one-line Body of each record, in the style of netlog/activity_klog.
// Everything taken from the process goes through escapeText/quoteArg.
import type { ExecEvent, ExitEvent, TcpEvent } from '../events';
import { errnoName } from './errno';
import { escapeText, quoteArg } from './escape';

export function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function who(comm: string, pid: number): string {
  return `${escapeText(comm)}[${pid}]`;
}

export function seconds(ns: bigint): string {
  const s = Number(ns) / 1e9;
  return `${s >= 1 ? s.toFixed(1) : s.toFixed(3)}s`;
}

export function execBody(ev: ExecEvent, argv: string[], truncated: boolean, tty: string | undefined): string {
  const words = [quoteArg(ev.exe), ...argv.slice(1).map(quoteArg)];
  const creds = [`uid=${ev.proc.uid}`, `euid=${ev.proc.euid}`];
  if (tty) creds.push(`tty=${escapeText(tty)}`);
  creds.push(`ppid=${ev.proc.ppid}`);
  return `exec ${who(ev.oldComm, ev.proc.pid)} ${words.join(' ')}${truncated ? ' [truncated]' : ''} (${creds.join(' ')})`;
}

export function exitBody(ev: ExitEvent): string {
  const how = ev.signal !== undefined ? `signal=${ev.signal}` : `code=${ev.exitCode}`;
  return `exit ${who(ev.proc.comm, ev.proc.pid)} ${how} (uid=${ev.proc.uid} ppid=${ev.proc.ppid})`;
}

const ARROWS = { 'tcp.connect': '->', 'tcp.accept': '<-', 'tcp.close': '<->' } as const;

export function tcpBody(ev: TcpEvent): string {
  const local = endpoint(ev.localAddress, ev.localPort);
  const remote = endpoint(ev.remoteAddress, ev.remotePort);
  let line = `${who(ev.proc.comm, ev.proc.pid)} TCP ${local} ${ARROWS[ev.kind]} ${remote} (uid=${ev.proc.uid})`;
  if (ev.kind === 'tcp.connect' && ev.error) line += ` - ${errnoName(ev.error)}`;
  if (ev.kind === 'tcp.close') {
    line += ` ${seconds(ev.durationNs)} sent=${ev.bytesSent} received=${ev.bytesReceived}`;
  }
  return line;
}
