// AuditEvent -> the fields of an OTel LogRecord. Pure: every lookup it needs
// (clock, user names, executables) is passed in.
import type { ExecEvent, ExitEvent, IpsetEvent, ProcInfo, RecordEvent, RepeatSummary, TcpEvent, UdpEvent } from '../events';
import type { BootClock } from '../enrich/clock';
import { formatRfc3339Ns, toUnixNs } from '../enrich/clock';
import type { Identity } from '../enrich/identity';
import { ttyName } from '../enrich/tty';
import { errnoName } from './errno';
import { execBody, exitBody, ipsetBody, tcpBody, udpBody } from './body';
import { ipsetErrorName } from '../ipset/errors';
import { AuditRecord } from './audit_record';
import { LineBytes } from './line_bytes';
import { type PartBuilder, type ProcessPart, type ProcessParts, unsharedPart } from './process_part';

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
  readonly attributes: Attributes;
  /**
   * Set on records of a process: `attributes` is this part, shared by the
   * process's records of one batch, followed by `ownAttributes`. An encoder
   * writes the part once and copies its bytes.
   */
  readonly processPart?: ProcessPart;
  readonly ownAttributes?: Attributes;
}

export interface ContainerInfo {
  id: string;
  /** set when the container runs in a Kubernetes pod on this node */
  k8s?: { podName?: string; podUid?: string; namespace?: string; containerName?: string; nodeName: string };
}

export interface MappingContext {
  clock: BootClock;
  observedUnixNs: bigint;
  userName(uid: number): string | undefined;
  executablePath(pid: number): string | undefined;
  /** process.entity_id, the parent's, and the creation time of a program run */
  identity(p: ProcInfo): Identity;
  /** the parent of an exec, when known: its binary and command line */
  parentProcess(ppid: number, startNs: bigint): { exe?: string; argv?: string[] } | undefined;
  container(proc: ProcInfo): ContainerInfo | undefined;
  /** argv elements kept per exec record; the rest is cut and flagged */
  maxArgs: number;
  /** the type of an ipset set, when a create of it was seen */
  ipsetType(setName: string | undefined): string | undefined;
  /** process parts shared by the records of one batch; without it each record builds its own */
  processParts?: ProcessParts;
}

export const EVENT_NAMES = {
  exec: 'process.exec',
  exit: 'process.exit',
  'tcp.connect': 'network.tcp.connect',
  'tcp.accept': 'network.tcp.accept',
  'tcp.close': 'network.tcp.close',
  'udp.bind': 'network.udp.bind',
  'udp.connect': 'network.udp.connect',
  'udp.send': 'network.udp.send',
  'udp.receive': 'network.udp.receive',
} as const;

const IPSET_EVENT_NAMES = {
  create: 'ipset.create', destroy: 'ipset.destroy', flush: 'ipset.flush', rename: 'ipset.rename', swap: 'ipset.swap',
  list: 'ipset.list', save: 'ipset.list', add: 'ipset.add', del: 'ipset.del', test: 'ipset.test',
} as const;

function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** A process's own side of its records: who it is and who its parent is. */
function ownProcessAttributes(p: ProcInfo, ctx: MappingContext): Attributes {
  const id = ctx.identity(p);
  const a: Attributes = {
    'process.pid': p.pid,
    'process.parent_pid': p.ppid,
    'process.entity_id': id.entityId,
    'process.creation.time': id.creationTime,
  };
  if (id.parentEntityId) a['process.parent.entity_id'] = id.parentEntityId;
  return a;
}

/** What a process shares with the others of its program, user, session and container. */
function sharedProcessAttributes(p: ProcInfo, exePath: string | undefined, ctx: MappingContext): Attributes {
  const a: Attributes = {
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
  if (p.sessionId !== undefined) a['user.audit.session_id'] = String(p.sessionId);
  const tty = ttyName(p.tty);
  if (tty) a['process.tty.name'] = tty;
  a['process.interactive'] = tty !== undefined;
  const container = ctx.container(p);
  if (container) {
    a['container.id'] = container.id;
    const k = container.k8s;
    if (k) {
      if (k.podName) a['k8s.pod.name'] = k.podName;
      if (k.podUid) a['k8s.pod.uid'] = k.podUid;
      if (k.namespace) a['k8s.namespace.name'] = k.namespace;
      if (k.containerName) a['k8s.container.name'] = k.containerName;
      a['k8s.node.name'] = k.nodeName;
    }
  }
  return a;
}

const PROCESS_PART: PartBuilder<MappingContext> = { own: ownProcessAttributes, shared: sharedProcessAttributes };

interface RecordParts {
  /** the process's attributes, which come first; none when the record has no process */
  part: ProcessPart | undefined;
  /** the record's own attributes, never a key of the part */
  attributes: Attributes;
}

/** Every record's body line, written in turn: the mapping runs on one thread, one record at a time. */
const lines = new LineBytes();

/** The process part of a record: the batch's shared one when the context keeps them. */
function processPart(p: ProcInfo, exePath: string | undefined, ctx: MappingContext): ProcessPart {
  return ctx.processParts ? ctx.processParts.of(p, exePath, ctx, PROCESS_PART) : unsharedPart(p, exePath, ctx, PROCESS_PART);
}

function networkAttributes(a: Attributes, transport: 'tcp' | 'udp', ipVersion: 4 | 6, netns: number): void {
  a['network.transport'] = transport;
  a['network.type'] = ipVersion === 4 ? 'ipv4' : 'ipv6';
  a['bpfaudit.netns.inode'] = netns;
}

function endpointAttributes(a: Attributes, prefix: string, address: string, port: number): void {
  if (!address) return;
  a[`${prefix}.address`] = address;
  a[`${prefix}.port`] = port;
}

function execRecord(ev: ExecEvent, ctx: MappingContext): RecordParts {
  const cut = ev.argv.length > ctx.maxArgs;
  const argv = cut ? ev.argv.slice(0, ctx.maxArgs) : ev.argv;
  const truncated = cut || ev.argsTruncated;
  const part = processPart(ev.proc, ev.exe, ctx);
  const attributes: Attributes = {};
  attributes['process.command_args'] = argv;
  attributes['process.args_count'] = argv.length;
  if (argv.length > 0) attributes['process.command'] = argv[0];
  if (truncated) attributes['bpfaudit.truncated'] = true;
  if (ev.exeTruncated) attributes['bpfaudit.executable.truncated'] = true;
  if (ev.exeFileless) attributes['bpfaudit.executable.fileless'] = true;
  if (ev.exeDeleted) attributes['bpfaudit.executable.deleted'] = true;
  if (ev.exeOverlayUpper) attributes['bpfaudit.executable.overlay_upper'] = true;
  const parent = ctx.parentProcess(ev.proc.ppid, ev.proc.parentStartNs);
  if (parent?.exe) attributes['process.parent.executable.path'] = parent.exe;
  if (parent?.argv) attributes['process.parent.command_args'] = parent.argv;
  execBody(lines, ev, argv, truncated, ttyName(ev.proc.tty));
  return { part, attributes };
}

function exitRecord(ev: ExitEvent, ctx: MappingContext): RecordParts {
  const part = processPart(ev.proc, ctx.executablePath(ev.proc.pid), ctx);
  const attributes: Attributes = {};
  attributes['process.exit.code'] = ev.exitCode ?? 128 + (ev.signal ?? 0);
  if (ev.signal !== undefined) attributes['bpfaudit.exit.signal'] = ev.signal;
  exitBody(lines, ev);
  return { part, attributes };
}

function tcpRecord(ev: TcpEvent, ctx: MappingContext): RecordParts {
  // no process to name: the record says so rather than naming pid 0
  const part = ev.noOwner ? undefined : processPart(ev.proc, ctx.executablePath(ev.proc.pid), ctx);
  const a: Attributes = ev.noOwner ? { 'bpfaudit.owner.unknown': true } : {};
  networkAttributes(a, 'tcp', ev.ipVersion, ev.proc.netns);
  // who initiated a connection older than the probes is not known: only the local/peer view is given
  if (!ev.startUnknown) {
    const inbound = ev.inbound;
    a['client.address'] = inbound ? ev.remoteAddress : ev.localAddress;
    a['client.port'] = inbound ? ev.remotePort : ev.localPort;
    a['server.address'] = inbound ? ev.localAddress : ev.remoteAddress;
    a['server.port'] = inbound ? ev.localPort : ev.remotePort;
  }
  a['network.local.address'] = ev.localAddress;
  a['network.local.port'] = ev.localPort;
  a['network.peer.address'] = ev.remoteAddress;
  a['network.peer.port'] = ev.remotePort;
  if (ev.kind === 'tcp.connect' && ev.error) a['error.type'] = errnoName(ev.error);
  if (ev.repeat) {
    // the repeats share the key (process, user, remote address, service port), not the client's ephemeral port
    delete a['client.port'];
    delete a[ev.inbound ? 'network.peer.port' : 'network.local.port'];
    repeatAttributes(a, ev.repeat);
    if (ev.kind === 'tcp.close') {
      a['bpfaudit.repeat.bytes_sent'] = Number(ev.repeat.a);
      a['bpfaudit.repeat.bytes_received'] = Number(ev.repeat.b);
    }
  } else if (ev.kind === 'tcp.close') {
    if (!ev.startUnknown) a['bpfaudit.connection.duration_ms'] = Number(ev.durationNs) / 1e6;
    a['bpfaudit.connection.bytes_sent'] = Number(ev.bytesSent);
    a['bpfaudit.connection.bytes_received'] = Number(ev.bytesReceived);
  }
  tcpBody(lines, ev);
  return { part, attributes: a };
}

/** On a summary record: how many repeats followed the first record, in which window, and when that first one was. */
function repeatAttributes(a: Attributes, r: RepeatSummary): void {
  a['bpfaudit.repeat.count'] = Number(r.count);
  a['bpfaudit.repeat.window_ms'] = r.windowMs;
  a['bpfaudit.repeat.first_timestamp'] = formatRfc3339Ns(r.firstTimeUnixNs);
}

function udpRecord(ev: UdpEvent, ctx: MappingContext): RecordParts {
  const part = processPart(ev.proc, ctx.executablePath(ev.proc.pid), ctx);
  const a: Attributes = {};
  networkAttributes(a, 'udp', ev.ipVersion, ev.proc.netns);
  endpointAttributes(a, 'network.local', ev.localAddress, ev.localPort);
  if (ev.kind === 'udp.bind') {
    a['bpfaudit.bind.requested_port'] = ev.requestedPort;
  } else if (ev.kind === 'udp.connect') {
    endpointAttributes(a, 'network.peer', ev.remoteAddress, ev.remotePort);
  } else {
    const send = ev.kind === 'udp.send';
    endpointAttributes(a, send ? 'source' : 'destination', ev.localAddress, ev.localPort);
    endpointAttributes(a, send ? 'destination' : 'source', ev.remoteAddress, ev.remotePort);
    if (ev.repeat) {
      repeatAttributes(a, ev.repeat);
      a['bpfaudit.repeat.bytes'] = Number(ev.repeat.a);
      if (ev.repeat.b > 0n) a['bpfaudit.repeat.errors'] = Number(ev.repeat.b);
    } else if (ev.folding) {
      const f = ev.folding.fold;
      a['bpfaudit.flow.datagrams'] = Number(f.count);
      a['bpfaudit.flow.bytes'] = Number(f.a);
      if (f.b > 0n) a['bpfaudit.flow.errors'] = Number(f.b);
    }
  }
  if (ev.error < 0) a['error.type'] = errnoName(-ev.error);
  udpBody(lines, ev);
  return { part, attributes: a };
}

function ipsetRecord(ev: IpsetEvent, ctx: MappingContext): RecordParts {
  const part = processPart(ev.proc, ctx.executablePath(ev.proc.pid), ctx);
  const a: Attributes = {};
  a['ipset.command'] = ev.command;
  if (ev.setName !== undefined) a['ipset.set.name'] = ev.setName;
  if (ev.setType !== undefined) a['ipset.set.type'] = ev.setType;
  if (ev.setName2 !== undefined) a['ipset.set.name2'] = ev.setName2;
  if (ev.entry !== undefined) a['ipset.entry'] = ev.entry;
  if (ev.truncated) a['bpfaudit.truncated'] = true;
  let errorName: string | undefined;
  if (ev.result === undefined) {
    a['ipset.result'] = 'unknown';
  } else if (ev.result === 0) {
    a['ipset.result'] = 'success';
  } else {
    errorName = ipsetErrorName(-ev.result, ev.setType ?? ctx.ipsetType(ev.setName));
    a['ipset.result'] = 'error';
    a['error.type'] = errorName;
    a['ipset.error.code'] = -ev.result;
  }
  ipsetBody(lines, ev, errorName);
  return { part, attributes: a };
}

function recordParts(ev: RecordEvent, ctx: MappingContext): RecordParts {
  switch (ev.kind) {
    case 'ipset':
      return ipsetRecord(ev, ctx);
    case 'exec':
      return execRecord(ev, ctx);
    case 'exit':
      return exitRecord(ev, ctx);
    case 'tcp.connect':
    case 'tcp.accept':
    case 'tcp.close':
      return tcpRecord(ev, ctx);
    default:
      return udpRecord(ev, ctx);
  }
}

function eventName(ev: RecordEvent): string {
  return ev.kind === 'ipset' ? IPSET_EVENT_NAMES[ev.command] : EVENT_NAMES[ev.kind];
}

export function eventToLogRecord(ev: RecordEvent, ctx: MappingContext): AuditLogRecord {
  lines.begin();
  const { part, attributes } = recordParts(ev, ctx);
  const failed = ev.kind === 'ipset' && ev.result !== undefined && ev.result !== 0;
  const severity = failed ? SEVERITY_WARN : SEVERITY_INFO;
  return new AuditRecord(eventName(ev), toUnixNs(ev.ktimeNs, ctx.clock), ctx.observedUnixNs, severity.number, severity.text, lines, part, attributes);
}
