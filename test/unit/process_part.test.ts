// Records of one process state share one process part, built once per batch,
// and processes of one program, user, session and container share the part's
// shared side; with or without them, every record carries exactly the same
// attributes, in the same order.
import { describe, expect, it } from 'vitest';
import type { ExitEvent, ProcInfo, TcpEvent } from '../../receiver/src/events';
import { SAMPLE_PROC } from '../../receiver/src/decode/encode';
import { eventToLogRecord, type MappingContext } from '../../receiver/src/mapping/event_to_logrecord';
import { type PartBuilder, ProcessParts } from '../../receiver/src/mapping/process_part';
import { testContext } from '../helpers/records';

const connect = (proc: ProcInfo, port = 443): TcpEvent => ({
  kind: 'tcp.connect', ktimeNs: 10n, proc, ipVersion: 4, localAddress: '10.0.0.5', localPort: 52507,
  remoteAddress: '93.184.216.34', remotePort: port, inbound: false, error: 0, durationNs: 0n, bytesSent: 0n, bytesReceived: 0n, noOwner: false, startUnknown: false,
});
const exit = (proc: ProcInfo): ExitEvent => ({ kind: 'exit', ktimeNs: 20n, proc, exitCode: 0, signal: undefined });

/** One event stream mapped with a batch's shared parts (counting how often each side is built) and without them. */
function both(events: (TcpEvent | ExitEvent)[], over: Partial<MappingContext> = {}) {
  const parts = new ProcessParts();
  const built = { own: 0, shared: 0 };
  const counting = Object.assign(Object.create(parts) as ProcessParts, {
    of: <C>(p: ProcInfo, exe: string | undefined, ctx: C, build: PartBuilder<C>) =>
      parts.of(p, exe, ctx, {
        own: (q, c) => (built.own++, build.own(q, c)),
        shared: (q, e, c) => (built.shared++, build.shared(q, e, c)),
      }),
  });
  const shared = testContext({ ...over, processParts: counting });
  const parted = events.map((e) => eventToLogRecord(e, shared));
  const plain = events.map((e) => eventToLogRecord(e, testContext(over)));
  // the same keys in the same order as without parts: encoders write them in that order
  for (let i = 0; i < parted.length; i++) expect(Object.entries(parted[i].attributes)).toEqual(Object.entries(plain[i].attributes));
  return { parted, plain, built };
}

const byPid: PartBuilder<undefined> = { own: (p) => ({ pid: p.pid }), shared: (p) => ({ uid: p.uid }) };

describe('process parts', () => {
  it('are built once for the records of one process state, which carry the same attributes as without them', () => {
    const { parted, built } = both([connect(SAMPLE_PROC), connect(SAMPLE_PROC, 80), exit(SAMPLE_PROC)]);
    expect(built).toEqual({ own: 1, shared: 1 });
    // each record adds to its own copy
    expect(parted[0].attributes['network.peer.port']).toBe(443);
    expect(parted[1].attributes['network.peer.port']).toBe(80);
    expect(parted[2].attributes).not.toHaveProperty('network.peer.port');
  });

  it('share their shared side between the processes of one program, user, session and container', () => {
    const sibling = { ...SAMPLE_PROC, pid: SAMPLE_PROC.pid + 1, tid: SAMPLE_PROC.pid + 1, startNs: 6_000_000_000n };
    const { parted, built } = both([connect(SAMPLE_PROC), connect(sibling), exit(sibling)], { executablePath: () => '/usr/bin/curl' });
    expect(built).toEqual({ own: 2, shared: 1 });
    expect(parted[1].processPart).not.toBe(parted[0].processPart);
    expect(parted[1].processPart!.shared).toBe(parted[0].processPart!.shared);
    expect(parted[1].attributes['process.pid']).toBe(sibling.pid);
    expect(parted[1].attributes['process.entity_id']).toBe(`id-${sibling.pid}-6000000000-3`);
  });

  it('are kept for the 64 processes that made one last, then built again', () => {
    const parts = new ProcessParts();
    const first = parts.of(SAMPLE_PROC, '/usr/bin/curl', undefined, byPid);
    for (let pid = 1; pid < 64; pid++) parts.of({ ...SAMPLE_PROC, pid: SAMPLE_PROC.pid + pid }, '/usr/bin/curl', undefined, byPid);
    expect(parts.of(SAMPLE_PROC, '/usr/bin/curl', undefined, byPid)).toBe(first);
    parts.of({ ...SAMPLE_PROC, pid: SAMPLE_PROC.pid + 64 }, '/usr/bin/curl', undefined, byPid);
    const again = parts.of(SAMPLE_PROC, '/usr/bin/curl', undefined, byPid);
    expect(again).not.toBe(first);
    expect(again.attributes).toEqual({ pid: SAMPLE_PROC.pid, uid: SAMPLE_PROC.uid });
  });

  it('hand out one part per state, its attributes and both sides frozen', () => {
    const parts = new ProcessParts();
    const a = parts.of(SAMPLE_PROC, '/usr/bin/curl', undefined, byPid);
    expect(parts.of({ ...SAMPLE_PROC }, '/usr/bin/curl', undefined, byPid)).toBe(a);
    expect(Object.isFrozen(a.attributes)).toBe(true);
    expect(Object.isFrozen(a.own)).toBe(true);
    expect(Object.isFrozen(a.shared.attributes)).toBe(true);
  });

  it('keep two shared sides that fall in one slot of their table apart', () => {
    const parts = new ProcessParts();
    // the same session and euid (the slot), another real uid
    const other = { ...SAMPLE_PROC, pid: SAMPLE_PROC.pid + 1, uid: 0 };
    const seen = [SAMPLE_PROC, other, SAMPLE_PROC, other].map((p, i) => parts.of({ ...p, execId: BigInt(i) }, '/usr/bin/curl', undefined, byPid));
    expect(seen.map((s) => s.attributes)).toEqual([
      { pid: SAMPLE_PROC.pid, uid: 1000 }, { pid: other.pid, uid: 0 }, { pid: SAMPLE_PROC.pid, uid: 1000 }, { pid: other.pid, uid: 0 },
    ]);
  });

  it.each([
    ['a new program run', { execId: 4n }, 'process.entity_id', 'id-4242-5000000000-4'],
    ['the parent', { ppid: 1 }, 'process.parent_pid', 1],
  ])('are rebuilt when %s changes, their shared side kept', (_what, change, key, value) => {
    const changed = { ...SAMPLE_PROC, ...change };
    const { parted, built } = both([connect(SAMPLE_PROC), connect(changed), connect(SAMPLE_PROC)]);
    expect(built).toEqual({ own: 3, shared: 1 });
    expect(parted[1].attributes[key]).toEqual(value);
  });

  // both processes of one executable (or of none known, where the command name names it): only the change tells them apart
  const curl = (): string | undefined => '/usr/bin/curl';
  it.each([
    // 16 apart: the same slot of the shared sides' table (by session and euid), so the comparison tells them apart
    ['euid', { euid: 1016 }, 'process.user.id', 1016, curl],
    ['uid', { uid: 0 }, 'user.name', 'root', curl],
    ['the tty', { tty: '' }, 'process.interactive', false, curl],
    ['the session', { sid: 4116 }, 'process.session_leader.pid', 4116, curl],
    ['the audit session', { sessionId: 8 }, 'user.audit.session_id', '8', curl],
    ['the command name', { comm: 'wget' }, 'process.executable.name', 'wget', (): string | undefined => undefined],
  ])('are rebuilt with their shared side when %s changes', (_what, change, key, value, executablePath) => {
    const changed = { ...SAMPLE_PROC, pid: 5000, tid: 5000, ...change };
    const { parted, built } = both([connect(SAMPLE_PROC), connect(changed), connect(SAMPLE_PROC)], { executablePath });
    // the first process's part is still known by its pid
    expect(built.own).toBe(2);
    expect(built.shared).toBe(2);
    expect(parted[1].processPart!.shared).not.toBe(parted[0].processPart!.shared);
    expect(parted[1].attributes[key]).toEqual(value);
  });

  it('build the shared side again for a process of another container', () => {
    const other = { ...SAMPLE_PROC, pid: 5000, tid: 5000, cgroupId: 9999n };
    const container = (p: ProcInfo) => (p.cgroupId === 9999n ? { id: 'c'.repeat(64) } : undefined);
    const { parted } = both([connect(SAMPLE_PROC), connect(other)], { container, executablePath: curl });
    expect(parted[0].attributes).not.toHaveProperty('container.id');
    expect(parted[1].attributes['container.id']).toBe('c'.repeat(64));
  });

  it('are rebuilt when the executable known for the process changes', () => {
    let path = '/usr/bin/curl';
    const shared = testContext({ executablePath: () => path, processParts: new ProcessParts() });
    const first = eventToLogRecord(connect(SAMPLE_PROC), shared);
    path = '/usr/bin/wget';
    const second = eventToLogRecord(connect(SAMPLE_PROC), shared);
    expect(first.attributes['process.executable.path']).toBe('/usr/bin/curl');
    expect(second.attributes['process.executable.path']).toBe('/usr/bin/wget');
  });
});
