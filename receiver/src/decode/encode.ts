// Builds records in the kernel's layout (bpf/events.h): the benchmark feeds
// them through the pipeline and the decoder tests round-trip them.
import type { ProcInfo } from '../events';
import { COMM_LEN, EVENT_HEADER, EXEC_EVENT, EXIT_EVENT, EventType, FRAME_HEADER, PROC_CTX, TCP_EVENT, TTY_LEN, EXE_LEN } from './layout';

export const SAMPLE_PROC: ProcInfo = {
  pid: 4242, tid: 4242, ppid: 4200, sid: 4100, uid: 1000, euid: 1000, suid: 1000, gid: 1000, egid: 1000,
  auid: 1000, netns: 4026531840, exeDev: 0x800001, exeIno: 131_415n, cgroupId: 1234n, cgroupV1Id: 0, comm: 'curl', tty: 'pts3',
  startNs: 5_000_000_000n, execId: 3n, parentStartNs: 1_000_000_000n, parentExecId: 2n, sessionId: 7,
};

function putString(buf: Buffer, at: number, size: number, s: string | Buffer): void {
  const bytes = typeof s === 'string' ? Buffer.from(s) : s;
  bytes.copy(buf, at, 0, Math.min(bytes.length, size - 1));
}

function putHeader(buf: Buffer, type: number, size: number, ktimeNs: bigint): void {
  const H = EVENT_HEADER.fields;
  buf.writeUInt32LE(type, H.type);
  buf.writeUInt32LE(size, H.size);
  buf.writeBigUInt64LE(ktimeNs, H.ktime);
}

function putProc(buf: Buffer, at: number, p: ProcInfo): void {
  const F = PROC_CTX.fields;
  for (const k of ['pid', 'tid', 'ppid', 'sid', 'uid', 'euid', 'suid', 'gid', 'egid', 'netns'] as const) {
    buf.writeUInt32LE(p[k], at + F[k]);
  }
  buf.writeUInt32LE(p.auid ?? 0xffffffff, at + F.auid);
  buf.writeUInt32LE(p.exeDev, at + F.exe_dev);
  buf.writeBigUInt64LE(p.exeIno, at + F.exe_ino);
  buf.writeBigUInt64LE(p.cgroupId, at + F.cgroup_id);
  buf.writeUInt32LE(p.cgroupV1Id, at + F.cgroup_v1_id);
  putString(buf, at + F.comm, COMM_LEN, p.comm);
  putString(buf, at + F.tty, TTY_LEN, p.tty);
  buf.writeBigUInt64LE(p.startNs, at + F.start_ns);
  buf.writeBigUInt64LE(p.execId, at + F.exec_id);
  buf.writeBigUInt64LE(p.parentStartNs, at + F.parent_start_ns);
  buf.writeBigUInt64LE(p.parentExecId, at + F.parent_exec_id);
  buf.writeUInt32LE(p.sessionId ?? 0xffffffff, at + F.sessionid);
}

export interface ExecRecordInput {
  ktimeNs: bigint;
  proc?: ProcInfo;
  oldComm?: string;
  exe: string;
  /** raw argv bytes as the process holds them, or strings joined with NUL */
  argv: Buffer | string[];
  flags?: number;
  argsSize?: number;
}

export function execRecord(r: ExecRecordInput): Buffer {
  const X = EXEC_EVENT.fields;
  const args = Buffer.isBuffer(r.argv) ? r.argv : Buffer.from(r.argv.map((a) => a + '\0').join(''));
  const size = X.args + args.length;
  const buf = Buffer.alloc(size);
  putHeader(buf, EventType.EVENT_EXEC, size, r.ktimeNs);
  putProc(buf, X.proc, r.proc ?? SAMPLE_PROC);
  putString(buf, X.old_comm, COMM_LEN, r.oldComm ?? 'bash');
  buf.writeUInt32LE(args.length, X.args_len);
  buf.writeUInt32LE(r.argsSize ?? args.length, X.args_size);
  const exe = Buffer.from(r.exe);
  const off = EXE_LEN - exe.length;
  buf.writeUInt16LE(off, X.exe_off);
  buf.writeUInt16LE(r.flags ?? 0, X.flags);
  exe.copy(buf, X.exe + off);
  args.copy(buf, X.args);
  return buf;
}

export function exitRecord(ktimeNs: bigint, status: number, proc: ProcInfo = SAMPLE_PROC): Buffer {
  const E = EXIT_EVENT.fields;
  const buf = Buffer.alloc(EXIT_EVENT.size);
  putHeader(buf, EventType.EVENT_EXIT, EXIT_EVENT.size, ktimeNs);
  putProc(buf, E.proc, proc);
  buf.writeUInt32LE(status, E.exit_code);
  return buf;
}

export interface TcpRecordInput {
  type: number;
  ktimeNs: bigint;
  proc?: ProcInfo;
  family: 2 | 10;
  laddr: number[];
  lport: number;
  raddr: number[];
  rport: number;
  inbound?: boolean;
  error?: number;
  durationNs?: bigint;
  bytesSent?: bigint;
  bytesReceived?: bigint;
  flags?: number;
}

export function tcpRecord(r: TcpRecordInput): Buffer {
  const T = TCP_EVENT.fields;
  const buf = Buffer.alloc(TCP_EVENT.size);
  putHeader(buf, r.type, TCP_EVENT.size, r.ktimeNs);
  putProc(buf, T.proc, r.proc ?? SAMPLE_PROC);
  buf.writeUInt16LE(r.family, T.family);
  buf.writeUInt16LE(r.lport, T.lport);
  buf.writeUInt16LE(r.rport, T.rport);
  buf[T.direction] = r.inbound ? 1 : 0;
  buf.writeUInt32LE(r.error ?? 0, T.error);
  buf.writeUInt32LE(r.flags ?? 0, T.flags);
  Buffer.from(r.laddr).copy(buf, T.laddr);
  Buffer.from(r.raddr).copy(buf, T.raddr);
  buf.writeBigUInt64LE(r.durationNs ?? 0n, T.duration_ns);
  buf.writeBigUInt64LE(r.bytesSent ?? 0n, T.bytes_sent);
  buf.writeBigUInt64LE(r.bytesReceived ?? 0n, T.bytes_received);
  return buf;
}

/** Frames records the way the addon delivers a batch. */
export function frameBatch(records: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    const head = Buffer.alloc(FRAME_HEADER);
    head.writeUInt32LE(r.length, 0);
    parts.push(head, r, Buffer.alloc(((r.length + 7) & ~7) - r.length));
  }
  return Buffer.concat(parts);
}
