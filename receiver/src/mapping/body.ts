// The one-line Body of each record, in the style of netlog/activity_klog,
// written into a LineBytes. Everything taken from the process goes through
// escapeText/quoteArg.
import type { ExecEvent, ExitEvent, IpsetEvent, RepeatSummary, TcpEvent, UdpEvent } from '../events';
import { errnoName } from './errno';
import { escapeText, quoteArg } from './escape';
import type { LineBytes } from './line_bytes';

/** `addr:port`, `[v6]:port`; the address alone when the port is left out. */
function endpoint(line: LineBytes, address: string, port: number | undefined): void {
  if (port === undefined) return line.text(address);
  const v6 = address.includes(':');
  if (v6) line.text('[');
  line.text(address);
  line.text(v6 ? ']:' : ':');
  line.uint(port);
}

function who(line: LineBytes, comm: string, pid: number): void {
  line.text(escapeText(comm));
  line.text('[');
  line.uint(pid);
  line.text(']');
}

function seconds(line: LineBytes, ns: bigint): void {
  const s = Number(ns) / 1e9;
  line.text(s >= 1 ? s.toFixed(1) : s.toFixed(3));
  line.text('s');
}

export function execBody(line: LineBytes, ev: ExecEvent, argv: string[], truncated: boolean, tty: string | undefined): void {
  line.text('exec ');
  who(line, ev.oldComm, ev.proc.pid);
  line.text(' ');
  line.text(quoteArg(ev.exe));
  for (let i = 1; i < argv.length; i++) {
    line.text(' ');
    line.text(quoteArg(argv[i]));
  }
  if (truncated) line.text(' [truncated]');
  line.text(' (uid=');
  line.uint(ev.proc.uid);
  line.text(' euid=');
  line.uint(ev.proc.euid);
  if (tty) {
    line.text(' tty=');
    line.text(escapeText(tty));
  }
  line.text(' ppid=');
  line.uint(ev.proc.ppid);
  line.text(')');
}

export function exitBody(line: LineBytes, ev: ExitEvent): void {
  line.text('exit ');
  who(line, ev.proc.comm, ev.proc.pid);
  // the decoder sets exactly one of the two
  line.text(ev.signal !== undefined ? ' signal=' : ' code=');
  line.uint(ev.signal ?? ev.exitCode ?? 0);
  line.text(' (uid=');
  line.uint(ev.proc.uid);
  line.text(' ppid=');
  line.uint(ev.proc.ppid);
  line.text(')');
}

const ARROWS = { 'tcp.connect': ' -> ', 'tcp.accept': ' <- ', 'tcp.close': ' <-> ' } as const;

/** ` - repeated N more times in 10.0s`: the tail of a summary record's line. */
function repeated(line: LineBytes, r: RepeatSummary): void {
  line.text(' - repeated ');
  line.big(r.count);
  line.text(r.count === 1n ? ' more time in ' : ' more times in ');
  seconds(line, BigInt(r.windowMs) * 1_000_000n);
}

function uidTail(line: LineBytes, uid: number): void {
  line.text(' (uid=');
  line.uint(uid);
  line.text(')');
}

export function tcpBody(line: LineBytes, ev: TcpEvent): void {
  // a summary stands for connections from many ephemeral ports: the client's port is left out
  const clientPort = ev.repeat ? undefined : ev.inbound ? ev.remotePort : ev.localPort;
  if (ev.noOwner) line.text('[no owner]');
  else who(line, ev.proc.comm, ev.proc.pid);
  line.text(' TCP ');
  endpoint(line, ev.localAddress, ev.inbound ? ev.localPort : clientPort);
  line.text(ARROWS[ev.kind]);
  endpoint(line, ev.remoteAddress, ev.inbound ? clientPort : ev.remotePort);
  if (!ev.noOwner) uidTail(line, ev.proc.uid);
  if (ev.kind === 'tcp.connect' && ev.error) {
    line.text(' - ');
    line.text(errnoName(ev.error));
  }
  if (ev.repeat) {
    repeated(line, ev.repeat);
    if (ev.kind === 'tcp.close') sentReceived(line, ', sent=', ev.repeat.a, ev.repeat.b);
  } else if (ev.kind === 'tcp.close') {
    if (!ev.startUnknown) {
      line.text(' ');
      seconds(line, ev.durationNs);
    }
    sentReceived(line, ' sent=', ev.bytesSent, ev.bytesReceived);
  }
}

function sentReceived(line: LineBytes, lead: string, sent: bigint, received: bigint): void {
  line.text(lead);
  line.big(sent);
  line.text(' received=');
  line.big(received);
}

function errorSuffix(line: LineBytes, error: number): void {
  if (error >= 0) return;
  line.text(' - ');
  line.text(errnoName(-error));
}

export function udpBody(line: LineBytes, ev: UdpEvent): void {
  who(line, ev.proc.comm, ev.proc.pid);
  line.text(' UDP ');
  switch (ev.kind) {
    case 'udp.bind': {
      line.text('bind ');
      endpoint(line, ev.localAddress, ev.requestedPort);
      uidTail(line, ev.proc.uid);
      if (ev.requestedPort !== ev.localPort && ev.error === 0) {
        line.text(' port=');
        line.uint(ev.localPort);
      }
      break;
    }
    case 'udp.connect':
      line.text('connect ');
      flow(line, ev, ' -> ');
      break;
    default: {
      const send = ev.kind === 'udp.send';
      line.text(send ? 'send ' : 'receive ');
      flow(line, ev, send ? ' -> ' : ' <- ');
      if (ev.repeat) {
        repeated(line, ev.repeat);
        line.text(', bytes=');
        line.big(ev.repeat.a);
        if (ev.repeat.b > 0n) {
          line.text(' errors=');
          line.big(ev.repeat.b);
        }
        return;
      }
      const f = ev.folding?.fold;
      if (f) {
        line.text(' bytes=');
        line.big(f.a);
      }
    }
  }
  errorSuffix(line, ev.error);
}

/** `local -> remote (uid=N)`; a socket without a peer shows `*` */
function flow(line: LineBytes, ev: UdpEvent, arrow: string): void {
  endpoint(line, ev.localAddress, ev.localPort);
  line.text(arrow);
  if (ev.remoteAddress) endpoint(line, ev.remoteAddress, ev.remotePort);
  else line.text('*');
  uidTail(line, ev.proc.uid);
}

/** ipsetaudit's line: `ipset[3771452] CREATE test789 (type: hash:ip) - SUCCESS`. */
export function ipsetBody(line: LineBytes, ev: IpsetEvent, errorName: string | undefined): void {
  who(line, ev.proc.comm, ev.proc.pid);
  line.text(' ');
  line.text(ev.command.toUpperCase());
  const word = (s: string) => {
    line.text(' ');
    line.text(s);
  };
  if (ev.setName !== undefined) word(escapeText(ev.setName));
  if (ev.setName2 !== undefined) word(escapeText(ev.setName2));
  if (ev.setType !== undefined) word(`(type: ${escapeText(ev.setType)})`);
  if (ev.entry !== undefined) word(escapeText(ev.entry));
  if (ev.truncated) word('[truncated]');
  line.text(' - ');
  line.text(ev.result === undefined ? 'UNKNOWN' : ev.result === 0 ? 'SUCCESS' : `ERROR (${errorName})`);
}
