import { describe, expect, it } from 'vitest';
import { decodeBatch, splitArgs, u64 } from '../../receiver/src/decode/decode';
import { execRecord, exitRecord, frameBatch, SAMPLE_PROC, tcpRecord } from '../../receiver/src/decode/encode';
import { EventType, Flags, TcpFlags } from '../../receiver/src/decode/layout';
import { eventToLogRecord } from '../../receiver/src/mapping/event_to_logrecord';
import { testContext } from '../helpers/records';
import type { AuditEvent, ExitEvent, TcpEvent } from '../../receiver/src/events';

function decode(records: Buffer[]) {
  const out: AuditEvent[] = [];
  const stats = decodeBatch(frameBatch(records), (e) => out.push(e));
  return { out, stats };
}

describe('decodeBatch', () => {
  it('decodes an exec record with its path, argv and credentials', () => {
    const { out, stats } = decode([
      execRecord({ ktimeNs: 5n, exe: '/usr/bin/curl', argv: ['curl', '-s', 'http://x'], oldComm: 'bash' }),
    ]);
    expect(stats).toEqual({ decoded: 1, malformed: 0 });
    expect(out[0]).toMatchObject({
      kind: 'exec', ktimeNs: 5n, exe: '/usr/bin/curl', oldComm: 'bash', argv: ['curl', '-s', 'http://x'],
      argsTruncated: false, exeTruncated: false, exeFileless: false, exeDeleted: false, exeOverlayUpper: false, proc: SAMPLE_PROC,
    });
  });

  it("shares one process context between a thread's records only while every byte of it is the same", () => {
    const a = { ...SAMPLE_PROC, tid: 77_001 };
    const { out } = decode([
      exitRecord(1n, 0, a),
      exitRecord(2n, 0, a),
      // the same slot of the decoder's table (tid modulo its size), another thread
      exitRecord(3n, 0, { ...a, tid: 77_001 + 256, euid: 0 }),
      exitRecord(4n, 0, { ...a, euid: 0 }),
      exitRecord(5n, 0, { ...a, euid: 0 }),
      exitRecord(6n, 0, { ...a, euid: 0, comm: 'curl2' }),
    ]);
    const procs = out.map((e) => (e as ExitEvent).proc);
    expect(procs[1]).toBe(procs[0]);
    expect(procs[2]).toEqual({ ...a, tid: 77_001 + 256, euid: 0 });
    expect(procs[3]).not.toBe(procs[0]);
    expect(procs[3]).toEqual({ ...a, euid: 0 });
    expect(procs[4]).toBe(procs[3]);
    expect(procs[5]).toEqual({ ...a, euid: 0, comm: 'curl2' });
  });


  it('compares contexts to their last byte, in aligned batches and in batches at an odd offset', () => {
    const a = { ...SAMPLE_PROC, tid: 78_001 };
    // the context's last field: a difference there alone makes another context
    const b = { ...a, cgroupV1Id: a.cgroupV1Id + 1 };
    const batch = frameBatch([exitRecord(1n, 0, a), exitRecord(2n, 0, a), exitRecord(3n, 0, b), exitRecord(4n, 0, b)]);
    const odd = Buffer.alloc(batch.length + 1).subarray(1);
    batch.copy(odd);
    for (const buf of [batch, odd]) {
      const out: AuditEvent[] = [];
      expect(decodeBatch(buf, (e) => out.push(e))).toEqual({ decoded: 4, malformed: 0 });
      const procs = out.map((e) => (e as ExitEvent).proc);
      expect(procs[1]).toBe(procs[0]);
      expect(procs[2]).not.toBe(procs[1]);
      expect(procs[2]).toEqual(b);
      expect(procs[3]).toBe(procs[2]);
    }
  });
  it('keeps empty arguments and flags truncation', () => {
    const { out } = decode([
      execRecord({ ktimeNs: 1n, exe: '/bin/x', argv: ['x', '', 'y'], flags: Flags.FLAG_ARGS_TRUNCATED | Flags.FLAG_EXE_TRUNCATED }),
    ]);
    expect(out[0]).toMatchObject({ argv: ['x', '', 'y'], argsTruncated: true, exeTruncated: true });
  });

  it('spells a fileless or deleted binary as the kernel does, and flags it', () => {
    const { out } = decode([
      execRecord({ ktimeNs: 1n, exe: '/memfd:kworker', argv: ['x'], flags: Flags.FLAG_EXE_FILELESS }),
      execRecord({ ktimeNs: 2n, exe: '/tmp/dropper', argv: ['x'], flags: Flags.FLAG_EXE_DELETED }),
      execRecord({ ktimeNs: 3n, exe: '/usr/local/bin/tool', argv: ['x'], flags: Flags.FLAG_EXE_OVERLAY_UPPER }),
    ]);
    expect(out.map((e) => e.kind === 'exec' && [e.exe, e.exeFileless, e.exeDeleted, e.exeOverlayUpper])).toEqual([
      ['/memfd:kworker (deleted)', true, false, false],
      ['/tmp/dropper (deleted)', false, true, false],
      ['/usr/local/bin/tool', false, false, true],
    ]);
  });

  it('a close no process was seen owning has no process attributes and says so', () => {
    const { out } = decode([
      tcpRecord({ type: EventType.EVENT_TCP_CLOSE, ktimeNs: 3n, proc: { ...SAMPLE_PROC, pid: 0, comm: '' }, family: 2, laddr: [127, 0, 0, 1], lport: 80, raddr: [127, 0, 0, 1], rport: 5000, inbound: true, bytesReceived: 3n, flags: TcpFlags.TCP_FLAG_NO_OWNER }),
    ]);
    const ev = out[0] as TcpEvent;
    expect(ev.noOwner).toBe(true);
    const r = eventToLogRecord(ev, testContext());
    expect(r.body).toBe('[no owner] TCP 127.0.0.1:80 <-> 127.0.0.1:5000 0.000s sent=0 received=3');
    expect(r.attributes).toMatchObject({ 'bpfaudit.owner.unknown': true, 'server.port': 80, 'client.port': 5000 });
    expect(Object.keys(r.attributes).filter((k) => k.startsWith('process.') || k.startsWith('user.'))).toEqual([]);
  });

  it('keeps invalid UTF-8 visible instead of replacing it', () => {
    const argv = Buffer.concat([Buffer.from('a\0b'), Buffer.from([0xff, 0xc3]), Buffer.from('\0é\0')]);
    const { out } = decode([execRecord({ ktimeNs: 1n, exe: '/bin/a', argv })]);
    expect(out[0]).toMatchObject({ argv: ['a', 'b\\xff\\xc3', 'é'] });
  });

  it('reports an unset loginuid as undefined', () => {
    const { out } = decode([exitRecord(9n, 0, { ...SAMPLE_PROC, auid: undefined })]);
    expect((out[0] as ExitEvent).proc.auid).toBeUndefined();
  });

  it('splits the wait status into exit code or signal', () => {
    const { out } = decode([exitRecord(1n, 3 << 8), exitRecord(2n, 9)]);
    expect(out.map((e) => e.kind === 'exit' && [e.exitCode, e.signal])).toEqual([[3, undefined], [undefined, 9]]);
  });

  it('decodes IPv4, IPv6 and IPv4-mapped tuples', () => {
    const mapped = (a: number[]) => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...a];
    const { out } = decode([
      tcpRecord({ type: EventType.EVENT_TCP_CONNECT, ktimeNs: 1n, family: 2, laddr: [10, 0, 0, 5], lport: 52507, raddr: [93, 184, 216, 34], rport: 443 }),
      tcpRecord({ type: EventType.EVENT_TCP_ACCEPT, ktimeNs: 2n, family: 10, laddr: [...Array(15).fill(0), 1], lport: 22, raddr: [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 9], rport: 40000, inbound: true }),
      tcpRecord({ type: EventType.EVENT_TCP_CLOSE, ktimeNs: 3n, family: 10, laddr: mapped([127, 0, 0, 1]), lport: 80, raddr: mapped([127, 0, 0, 2]), rport: 5000, durationNs: 7n, bytesSent: 10n, bytesReceived: 20n }),
    ]);
    expect((out as TcpEvent[]).map((e) => [e.kind, e.ipVersion, e.localAddress, e.localPort, e.remoteAddress, e.remotePort, e.inbound])).toEqual([
      ['tcp.connect', 4, '10.0.0.5', 52507, '93.184.216.34', 443, false],
      ['tcp.accept', 6, '::1', 22, '2001:db8::9', 40000, true],
      ['tcp.close', 4, '127.0.0.1', 80, '127.0.0.2', 5000, false],
    ]);
    expect(out[2]).toMatchObject({ durationNs: 7n, bytesSent: 10n, bytesReceived: 20n });
  });

  it('counts malformed records instead of guessing', () => {
    const bad = Buffer.alloc(24);
    bad.writeUInt32LE(99, 0); // unknown type
    bad.writeUInt32LE(24, 4);
    const short = tcpRecord({ type: EventType.EVENT_TCP_CONNECT, ktimeNs: 1n, family: 2, laddr: [1, 1, 1, 1], lport: 1, raddr: [1, 1, 1, 1], rport: 1 }).subarray(0, 100);
    const { out, stats } = decode([bad, short, exitRecord(1n, 0)]);
    expect(stats).toEqual({ decoded: 1, malformed: 2 });
    expect(out[0].kind).toBe('exit');
  });

  it('stops at a frame that claims more bytes than the batch holds', () => {
    const batch = frameBatch([exitRecord(1n, 0)]);
    batch.writeUInt32LE(10_000, 0);
    const out: AuditEvent[] = [];
    expect(decodeBatch(batch, (e) => out.push(e))).toEqual({ decoded: 0, malformed: 1 });
    expect(out).toEqual([]);
  });
});

describe('splitArgs', () => {
  it('returns the cut last argument when argv did not end in NUL', () => {
    const b = Buffer.from('ls\0-la\0/ve');
    expect(splitArgs(b, 0, b.length)).toEqual(['ls', '-la', '/ve']);
  });
});

describe('u64', () => {
  it('reads every u64 as Buffer#readBigUInt64LE does, at and around 2^32 and 2^53', () => {
    const values = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 1_700_000_000_123_456_789n, 2n ** 64n - 1n];
    const buf = Buffer.alloc(8 * values.length + 3);
    values.forEach((v, i) => buf.writeBigUInt64LE(v, 3 + 8 * i));
    expect(values.map((_, i) => u64(buf, 3 + 8 * i))).toEqual(values);
  });
});
