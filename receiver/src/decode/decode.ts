// One batch from the addon -> typed events. No native calls per event.
import type { AuditEvent, ExecEvent, ExitEvent, FoldCounts, FoldEndEvent, IpsetMessageEvent, ProcInfo, TcpEvent, TcpKind, UdpEvent, UdpKind } from '../events';
import { formatIPv4, formatIPv6, isIPv4Mapped } from './inet';
import {
  ARGS_LEN, COMM_LEN, EVENT_HEADER, EXE_LEN, EXEC_EVENT, EXIT_EVENT, EventType, FRAME_HEADER,
  Flags, Direction, FOLD_END_EVENT, FOLD_KEY, FOLD_VALUE, IPSET_EVENT, IPSET_MSG_LEN, PROC_CTX, TCP_EVENT, TcpFlags, TTY_LEN, UDP_EVENT,
} from './layout';
import { ownCopy } from '../own_copy';
import { bytesToText, cString, nulAt } from './text';

const AF_INET = 2;
const AF_INET6 = 10;
// loginuid and the audit session read (u32)-1 when unset
const UNSET = 0xffffffff;

export interface DecodeStats {
  decoded: number;
  /** records whose size or type made no sense: counted, never guessed at */
  malformed: number;
}

const P = PROC_CTX.fields;

/**
 * A u64 as Buffer#readBigUInt64LE reads it, in one BigInt instead of four
 * (two halves, a shift, a sum): below 2^53, which covers boot-clock times,
 * inode numbers and counters, the halves combine exactly as a double. A
 * quarter of what decoding allocated per record went to those intermediates.
 */
export function u64(buf: Buffer, at: number): bigint {
  const lo = buf.readUInt32LE(at);
  const hi = buf.readUInt32LE(at + 4);
  return hi < 0x200000 ? BigInt(hi * 0x1_0000_0000 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * The last process context decoded per thread (by tid, in a small direct-mapped
 * table), with its raw words: a thread's records in a row usually carry the
 * same context, and then share one immutable ProcInfo instead of decoding
 * 22 fields and six u64s again. 64 slots, not more: a context a slot keeps
 * past a young-generation cycle is promoted and dies in the old generation
 * (256 slots: ~90 of the ~430 bytes per record promoted in the bench's mix).
 */
const PROC_SLOTS = 64;
const PROC_WORDS = PROC_CTX.size / 4;
const procWords = new Int32Array(PROC_SLOTS * PROC_WORDS);
const procSlots: (ProcInfo | undefined)[] = new Array(PROC_SLOTS).fill(undefined);

/**
 * The batch as 32-bit words, made once per batch, when it is aligned (the
 * addon's batches are; contexts sit 8-aligned in them): comparing a context
 * word by word in JS took a third of Buffer#compare's ~75 ns, a native call.
 */
let wordsOf: Buffer | undefined;
let words: Int32Array | undefined;

function batchWords(buf: Buffer): Int32Array | undefined {
  if (buf !== wordsOf) {
    wordsOf = buf;
    words = buf.byteOffset % 4 === 0 ? new Int32Array(buf.buffer, buf.byteOffset, buf.length >> 2) : undefined;
  }
  return words;
}

function sameContext(buf: Buffer, at: number, from: number): boolean {
  const w = at % 4 === 0 ? batchWords(buf) : undefined;
  if (w) {
    for (let i = 0, j = at >> 2; i < PROC_WORDS; i++, j++) if (w[j] !== procWords[from + i]) return false;
    return true;
  }
  for (let i = 0; i < PROC_WORDS; i++) if (buf.readInt32LE(at + i * 4) !== procWords[from + i]) return false;
  return true;
}

function decodeProc(buf: Buffer, at: number): ProcInfo {
  const slot = buf.readUInt32LE(at + P.tid) % PROC_SLOTS;
  const known = procSlots[slot];
  const from = slot * PROC_WORDS;
  if (known && sameContext(buf, at, from)) return known;
  const proc = readProc(buf, at);
  for (let i = 0; i < PROC_WORDS; i++) procWords[from + i] = buf.readInt32LE(at + i * 4);
  procSlots[slot] = proc;
  return proc;
}

function readProc(buf: Buffer, at: number): ProcInfo {
  const auid = buf.readUInt32LE(at + P.auid);
  const session = buf.readUInt32LE(at + P.sessionid);
  return {
    pid: buf.readUInt32LE(at + P.pid),
    tid: buf.readUInt32LE(at + P.tid),
    ppid: buf.readUInt32LE(at + P.ppid),
    sid: buf.readUInt32LE(at + P.sid),
    uid: buf.readUInt32LE(at + P.uid),
    euid: buf.readUInt32LE(at + P.euid),
    suid: buf.readUInt32LE(at + P.suid),
    gid: buf.readUInt32LE(at + P.gid),
    egid: buf.readUInt32LE(at + P.egid),
    auid: auid === UNSET ? undefined : auid,
    netns: buf.readUInt32LE(at + P.netns),
    exeDev: buf.readUInt32LE(at + P.exe_dev),
    exeIno: u64(buf, at + P.exe_ino),
    cgroupId: u64(buf, at + P.cgroup_id),
    cgroupV1Id: buf.readUInt32LE(at + P.cgroup_v1_id),
    comm: cString(buf, at + P.comm, COMM_LEN),
    tty: cString(buf, at + P.tty, TTY_LEN),
    startNs: u64(buf, at + P.start_ns),
    execId: u64(buf, at + P.exec_id),
    parentStartNs: u64(buf, at + P.parent_start_ns),
    parentExecId: u64(buf, at + P.parent_exec_id),
    sessionId: session === UNSET ? undefined : session,
  };
}

/** argv as the process holds it: NUL-separated, the last one possibly cut. */
export function splitArgs(buf: Buffer, start: number, end: number): string[] {
  const argv: string[] = [];
  let i = start;
  while (i < end) {
    const j = nulAt(buf, i, end);
    argv.push(bytesToText(buf, i, j));
    i = j + 1;
  }
  return argv;
}

const X = EXEC_EVENT.fields;

function decodeExec(buf: Buffer, at: number, len: number, ktimeNs: bigint): ExecEvent | undefined {
  const argsLen = buf.readUInt32LE(at + X.args_len);
  const exeOff = buf.readUInt16LE(at + X.exe_off);
  if (exeOff >= EXE_LEN || argsLen > ARGS_LEN || X.args + argsLen > len) return undefined;
  const flags = buf.readUInt16LE(at + X.flags);
  const exeFileless = (flags & Flags.FLAG_EXE_FILELESS) !== 0;
  const exeDeleted = (flags & Flags.FLAG_EXE_DELETED) !== 0;
  const path = cString(buf, at + X.exe + exeOff, EXE_LEN - exeOff);
  return {
    kind: 'exec',
    ktimeNs,
    proc: decodeProc(buf, at + X.proc),
    oldComm: cString(buf, at + X.old_comm, COMM_LEN),
    // the kernel's own spelling (d_path), so the path matches /proc/<pid>/exe
    exe: exeFileless || exeDeleted ? `${path} (deleted)` : path,
    exeTruncated: (flags & Flags.FLAG_EXE_TRUNCATED) !== 0,
    exeFileless,
    exeDeleted,
    exeOverlayUpper: (flags & Flags.FLAG_EXE_OVERLAY_UPPER) !== 0,
    argv: splitArgs(buf, at + X.args, at + X.args + argsLen),
    argsTruncated: (flags & Flags.FLAG_ARGS_TRUNCATED) !== 0,
  };
}

const E = EXIT_EVENT.fields;

function decodeExit(buf: Buffer, at: number, ktimeNs: bigint): ExitEvent {
  const status = buf.readUInt32LE(at + E.exit_code);
  const signal = status & 0x7f;
  return {
    kind: 'exit',
    ktimeNs,
    proc: decodeProc(buf, at + E.proc),
    exitCode: signal === 0 ? (status >> 8) & 0xff : undefined,
    signal: signal === 0 ? undefined : signal,
  };
}

const T = TCP_EVENT.fields;
const TCP_KINDS: Record<number, TcpKind> = {
  [EventType.EVENT_TCP_CONNECT]: 'tcp.connect',
  [EventType.EVENT_TCP_ACCEPT]: 'tcp.accept',
  [EventType.EVENT_TCP_CLOSE]: 'tcp.close',
};

function address(buf: Buffer, at: number, family: number): string {
  return family === AF_INET ? formatIPv4(buf, at) : formatIPv6(buf, at);
}

function decodeTcp(buf: Buffer, at: number, kind: TcpKind, ktimeNs: bigint): TcpEvent | undefined {
  const family = buf.readUInt16LE(at + T.family);
  if (family !== AF_INET && family !== AF_INET6) return undefined;
  const v4 = family === AF_INET || (isIPv4Mapped(buf, at + T.laddr) && isIPv4Mapped(buf, at + T.raddr));
  const flags = buf.readUInt32LE(at + T.flags);
  // one shape for every tcp event (folding undefined, not absent): a spread of an optional part built each one twice
  return {
    kind,
    ktimeNs,
    proc: decodeProc(buf, at + T.proc),
    ipVersion: v4 ? 4 : 6,
    localAddress: address(buf, at + T.laddr, family),
    localPort: buf.readUInt16LE(at + T.lport),
    remoteAddress: address(buf, at + T.raddr, family),
    remotePort: buf.readUInt16LE(at + T.rport),
    inbound: buf[at + T.direction] === Direction.DIRECTION_INBOUND,
    error: buf.readUInt32LE(at + T.error),
    durationNs: u64(buf, at + T.duration_ns),
    bytesSent: u64(buf, at + T.bytes_sent),
    bytesReceived: u64(buf, at + T.bytes_received),
    noOwner: (flags & TcpFlags.TCP_FLAG_NO_OWNER) !== 0,
    startUnknown: (flags & TcpFlags.TCP_FLAG_START_UNKNOWN) !== 0,
    folding: buf[at + T.folded]
      ? {
          foldKey: foldKeyAt(buf, at + T.key),
          fold: { windowStartNs: ktimeNs, count: 1n, a: u64(buf, at + T.bytes_sent), b: u64(buf, at + T.bytes_received) },
        }
      : undefined,
  };
}

const U = UDP_EVENT.fields;
const K = FOLD_KEY.fields;
const F = FOLD_VALUE.fields;
const UDP_KINDS: Record<number, UdpKind> = {
  [EventType.EVENT_UDP_BIND]: 'udp.bind',
  [EventType.EVENT_UDP_CONNECT]: 'udp.connect',
  [EventType.EVENT_UDP_SEND]: 'udp.send',
  [EventType.EVENT_UDP_RECEIVE]: 'udp.receive',
};

function foldKeyAt(buf: Buffer, at: number): Buffer {
  return ownCopy(buf.subarray(at, at + FOLD_KEY.size));
}

function isZero(buf: Buffer, at: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (buf[at + i] !== 0) return false;
  return true;
}

/** struct fold_value: in a record, or a value read from the kernel's folds map. */
export function decodeFoldValue(buf: Buffer, at: number): FoldCounts {
  return {
    windowStartNs: u64(buf, at + F.window_start),
    count: u64(buf, at + F.count),
    a: u64(buf, at + F.a),
    b: u64(buf, at + F.b),
  };
}

const FE = FOLD_END_EVENT.fields;

function decodeFoldEnd(buf: Buffer, at: number, ktimeNs: bigint): FoldEndEvent {
  return { kind: 'fold_end', ktimeNs, foldKey: foldKeyAt(buf, at + FE.key), fold: decodeFoldValue(buf, at + FE.value) };
}

function decodeUdp(buf: Buffer, at: number, kind: UdpKind, ktimeNs: bigint): UdpEvent | undefined {
  const key = at + U.key;
  const family = buf.readUInt16LE(key + K.family);
  if (family !== AF_INET && family !== AF_INET6) return undefined;
  const remote = key + K.addr;
  const local = at + U.laddr;
  const v4 = family === AF_INET || isIPv4Mapped(buf, remote) || (isIPv4Mapped(buf, local) && isZero(buf, remote, 16));
  const remotePort = buf.readUInt16LE(key + K.port);
  const flowed = kind === 'udp.send' || kind === 'udp.receive';
  return {
    kind,
    ktimeNs,
    proc: decodeProc(buf, at + U.proc),
    ipVersion: v4 ? 4 : 6,
    localAddress: family === AF_INET6 && v4 && isZero(buf, local, 16) ? '0.0.0.0' : address(buf, local, family),
    localPort: buf.readUInt16LE(at + U.lport),
    remoteAddress: isZero(buf, remote, 16) && remotePort === 0 ? '' : address(buf, remote, family),
    remotePort,
    requestedPort: buf.readUInt16LE(at + U.requested_port),
    error: buf.readInt32LE(at + U.error),
    // one shape, as for tcp events: folding undefined, not absent
    folding: flowed ? { foldKey: foldKeyAt(buf, key), fold: decodeFoldValue(buf, at + U.flow) } : undefined,
  };
}

const I = IPSET_EVENT.fields;

function decodeIpset(buf: Buffer, at: number, len: number, ktimeNs: bigint): IpsetMessageEvent | undefined {
  const msgLen = buf.readUInt32LE(at + I.msg_len);
  if (msgLen > IPSET_MSG_LEN || I.msg + msgLen > len) return undefined;
  return {
    kind: 'ipset.message',
    ktimeNs,
    proc: decodeProc(buf, at + I.proc),
    message: Buffer.from(buf.subarray(at + I.msg, at + I.msg + msgLen)),
    msgSize: buf.readUInt32LE(at + I.msg_size),
    result: buf[at + I.result_known] ? buf.readInt32LE(at + I.result) : undefined,
  };
}

const MIN_SIZE: Record<number, number> = {
  [EventType.EVENT_EXEC]: EXEC_EVENT.fields.args,
  [EventType.EVENT_EXIT]: EXIT_EVENT.size,
  [EventType.EVENT_TCP_CONNECT]: TCP_EVENT.size,
  [EventType.EVENT_TCP_ACCEPT]: TCP_EVENT.size,
  [EventType.EVENT_TCP_CLOSE]: TCP_EVENT.size,
  [EventType.EVENT_UDP_BIND]: UDP_EVENT.size,
  [EventType.EVENT_UDP_CONNECT]: UDP_EVENT.size,
  [EventType.EVENT_UDP_SEND]: UDP_EVENT.size,
  [EventType.EVENT_UDP_RECEIVE]: UDP_EVENT.size,
  [EventType.EVENT_FOLD_END]: FOLD_END_EVENT.size,
  [EventType.EVENT_IPSET]: IPSET_EVENT.fields.msg,
};

/** Decodes one framed record; undefined when it is malformed. */
export function decodeRecord(buf: Buffer, at: number, len: number): AuditEvent | undefined {
  if (len < EVENT_HEADER.size) return undefined;
  const type = buf.readUInt32LE(at + EVENT_HEADER.fields.type);
  const size = buf.readUInt32LE(at + EVENT_HEADER.fields.size);
  const min = MIN_SIZE[type];
  if (min === undefined || size > len || size < min) return undefined;
  const ktimeNs = u64(buf, at + EVENT_HEADER.fields.ktime);
  if (type === EventType.EVENT_EXEC) return decodeExec(buf, at, size, ktimeNs);
  if (type === EventType.EVENT_EXIT) return decodeExit(buf, at, ktimeNs);
  if (UDP_KINDS[type]) return decodeUdp(buf, at, UDP_KINDS[type], ktimeNs);
  if (type === EventType.EVENT_IPSET) return decodeIpset(buf, at, size, ktimeNs);
  if (type === EventType.EVENT_FOLD_END) return decodeFoldEnd(buf, at, ktimeNs);
  return decodeTcp(buf, at, TCP_KINDS[type], ktimeNs);
}

/** Hands each event of a batch to `each` as it is decoded, so an event is garbage once it is handled. */
export function decodeBatch(batch: Buffer, each: (ev: AuditEvent) => void): DecodeStats {
  const stats: DecodeStats = { decoded: 0, malformed: 0 };
  let off = 0;
  while (off + FRAME_HEADER <= batch.length) {
    const len = batch.readUInt32LE(off);
    const at = off + FRAME_HEADER;
    if (at + len > batch.length) {
      stats.malformed++;
      break;
    }
    const ev = decodeRecord(batch, at, len);
    if (ev) {
      stats.decoded++;
      each(ev);
    } else {
      stats.malformed++;
    }
    off = at + ((len + 7) & ~7);
  }
  return stats;
}
