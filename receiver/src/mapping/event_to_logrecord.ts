// AuditEvent -> the fields of an OTel LogRecord. Pure: every lookup it needs
// (clock, user names, executables) is passed in.
import type { AuditEvent, ExecEvent, ExitEvent, ProcInfo, TcpEvent } from '../events';
import type { BootClock } from '../enrich/clock';
import { toUnixNs } from '../enrich/clock';
import { ttyName } from '../enrich/tty';
import { errnoName } from './errno';
import { execBody, exitBody, tcpBody } from './body';

export type AttributeValue = string | number | boolean | string[];
export type Attributes = Record<string, AttributeValue>;

export const SEVERITY_INFO = { number: 9, text: 'INFO' } as const;
export const SEVERITY_WARN = { number: 13, text: 'WARN' } as const;

export interface AuditLogRecord {
  eventName: string;
  timeUnixNs: bigint;
  observedUnixNs: bigint;
  severityNumber: number;
  severityText: string;
  body: string;
  attributes: Attributes;
}

export interface MappingContext {
  clock: BootClock;
  observedUnixNs: bigint;
  userName(uid: number): string | undefined;
  executablePath(pid: number): string | undefined;
  /** argv elements kept per exec record; the rest is cut and flagged */
  maxArgs: number;
}

export const EVENT_NAMES = {
  exec: 'process.exec',
  exit: 'process.exit',
  'tcp.connect': 'network.tcp.connect',
  'tcp.accept': 'network.tcp.accept',
  'tcp.close': 'network.tcp.close',
} as const;

function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

function processAttributes(p: ProcInfo, exePath: string | undefined, ctx: MappingContext): Attributes {
  const a: Attributes = {
    'process.pid': p.pid,
    'process.parent_pid': p.ppid,
    'process.session_leader.pid': p.sid,
    'process.executable.name': exePath ? basename(exePath) : p.comm,
    'process.user.id': p.euid,
    'process.real_user.id': p.uid,
    'process.saved_user.id': p.suid,
    'process.group.id': p.egid,
    'process.real_group.id': p.gid,
    'user.id': String(p.uid),
  };
  if (exePath) a['process.executable.path'] = exePath;
  const name = ctx.userName(p.uid);
  if (name !== undefined) a['user.name'] = name;
  if (p.auid !== undefined) a['user.audit.id'] = String(p.auid);
  const tty = ttyName(p.tty);
  if (tty) a['process.tty.name'] = tty;
  a['process.interactive'] = tty !== undefined;
  return a;
}

function execRecord(ev: ExecEvent, ctx: MappingContext) {
  const cut = ev.argv.length > ctx.maxArgs;
  const argv = cut ? ev.argv.slice(0, ctx.maxArgs) : ev.argv;
  const truncated = cut || ev.argsTruncated;
  const attributes = processAttributes(ev.proc, ev.exe, ctx);
  attributes['process.command_args'] = argv;
  attributes['process.args_count'] = argv.length;
  if (argv.length > 0) attributes['process.command'] = argv[0];
  if (truncated) attributes['bpfaudit.truncated'] = true;
  if (ev.exeTruncated) attributes['bpfaudit.executable.truncated'] = true;
  return { attributes, body: execBody(ev, argv, truncated, ttyName(ev.proc.tty)) };
}

function exitRecord(ev: ExitEvent, ctx: MappingContext) {
  const attributes = processAttributes(ev.proc, ctx.executablePath(ev.proc.pid), ctx);
  attributes['process.exit.code'] = ev.exitCode ?? 128 + (ev.signal ?? 0);
  if (ev.signal !== undefined) attributes['bpfaudit.exit.signal'] = ev.signal;
  return { attributes, body: exitBody(ev) };
}

function tcpRecord(ev: TcpEvent, ctx: MappingContext) {
  const a = processAttributes(ev.proc, ctx.executablePath(ev.proc.pid), ctx);
  a['network.transport'] = 'tcp';
  a['network.type'] = ev.ipVersion === 4 ? 'ipv4' : 'ipv6';
  const [client, server] = ev.inbound
    ? [[ev.remoteAddress, ev.remotePort], [ev.localAddress, ev.localPort]]
    : [[ev.localAddress, ev.localPort], [ev.remoteAddress, ev.remotePort]];
  a['client.address'] = client[0];
  a['client.port'] = client[1];
  a['server.address'] = server[0];
  a['server.port'] = server[1];
  a['network.local.address'] = ev.localAddress;
  a['network.local.port'] = ev.localPort;
  a['network.peer.address'] = ev.remoteAddress;
  a['network.peer.port'] = ev.remotePort;
  if (ev.kind === 'tcp.connect' && ev.error) a['error.type'] = errnoName(ev.error);
  if (ev.kind === 'tcp.close') {
    a['bpfaudit.connection.duration_ms'] = Number(ev.durationNs) / 1e6;
    a['bpfaudit.connection.bytes_sent'] = Number(ev.bytesSent);
    a['bpfaudit.connection.bytes_received'] = Number(ev.bytesReceived);
  }
  return { attributes: a, body: tcpBody(ev) };
}

export function eventToLogRecord(ev: AuditEvent, ctx: MappingContext): AuditLogRecord {
  const { attributes, body } =
    ev.kind === 'exec' ? execRecord(ev, ctx) : ev.kind === 'exit' ? exitRecord(ev, ctx) : tcpRecord(ev, ctx);
  return {
    eventName: EVENT_NAMES[ev.kind],
    timeUnixNs: toUnixNs(ev.ktimeNs, ctx.clock),
    observedUnixNs: ctx.observedUnixNs,
    severityNumber: SEVERITY_INFO.number,
    severityText: SEVERITY_INFO.text,
    body,
    attributes,
  };
}
