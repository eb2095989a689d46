// Records of one process state share one process part, built once per batch;
// with or without it, every record carries exactly the same attributes.
import { describe, expect, it } from 'vitest';
import type { ExitEvent, ProcInfo, TcpEvent } from '../../receiver/src/events';
import { SAMPLE_PROC } from '../../receiver/src/decode/encode';
import { eventToLogRecord, type MappingContext } from '../../receiver/src/mapping/event_to_logrecord';
import { ProcessParts } from '../../receiver/src/mapping/process_part';
import { testContext } from '../helpers/records';

const connect = (proc: ProcInfo, port = 443): TcpEvent => ({
  kind: 'tcp.connect', ktimeNs: 10n, proc, ipVersion: 4, localAddress: '10.0.0.5', localPort: 52507,
  remoteAddress: '93.184.216.34', remotePort: port, inbound: false, error: 0, durationNs: 0n, bytesSent: 0n, bytesReceived: 0n, noOwner: false, startUnknown: false,
});
const exit = (proc: ProcInfo): ExitEvent => ({ kind: 'exit', ktimeNs: 20n, proc, exitCode: 0, signal: undefined });

/** One event stream mapped with a batch's shared parts (counting how often a part is built) and without them. */
function both(events: (TcpEvent | ExitEvent)[], over: Partial<MappingContext> = {}) {
  const parts = new ProcessParts();
  let built = 0;
  const counting = Object.assign(Object.create(parts) as ProcessParts, {
    of: (p: ProcInfo, exe: string | undefined, build: () => Record<string, never>) => parts.of(p, exe, () => (built++, build())),
  });
  const shared = testContext({ ...over, processParts: counting });
  const parted = events.map((e) => eventToLogRecord(e, shared));
  return { parted, plain: events.map((e) => eventToLogRecord(e, testContext(over))), built: () => built };
}

describe('process parts', () => {
  it('are built once for the records of one process state, which carry the same attributes as without them', () => {
    const { parted, plain, built } = both([connect(SAMPLE_PROC), connect(SAMPLE_PROC, 80), exit(SAMPLE_PROC)]);
    expect(built()).toBe(1);
    expect(parted.map((r) => r.attributes)).toEqual(plain.map((r) => r.attributes));
    // each record adds to its own copy
    expect(parted[0].attributes['network.peer.port']).toBe(443);
    expect(parted[1].attributes['network.peer.port']).toBe(80);
    expect(parted[2].attributes).not.toHaveProperty('network.peer.port');
  });

  it('are kept for the 64 processes that made one last, then built again', () => {
    const parts = new ProcessParts();
    const first = parts.of(SAMPLE_PROC, '/usr/bin/curl', () => ({ x: 1 }));
    for (let pid = 1; pid < 64; pid++) parts.of({ ...SAMPLE_PROC, pid: SAMPLE_PROC.pid + pid }, '/usr/bin/curl', () => ({ x: pid }));
    expect(parts.of(SAMPLE_PROC, '/usr/bin/curl', () => ({ x: 2 }))).toBe(first);
    parts.of({ ...SAMPLE_PROC, pid: SAMPLE_PROC.pid + 64 }, '/usr/bin/curl', () => ({ x: 64 }));
    const again = parts.of(SAMPLE_PROC, '/usr/bin/curl', () => ({ x: 3 }));
    expect(again).not.toBe(first);
    expect(again.attributes).toEqual({ x: 3 });
  });

  it('hand out one part per state, its attributes frozen', () => {
    const parts = new ProcessParts();
    const a = parts.of(SAMPLE_PROC, '/usr/bin/curl', () => ({ x: 1 }));
    expect(parts.of({ ...SAMPLE_PROC }, '/usr/bin/curl', () => ({ x: 2 }))).toBe(a);
    expect(Object.isFrozen(a.attributes)).toBe(true);
  });

  it.each([
    ['euid', { euid: 0 }, 'process.user.id', 0],
    ['uid', { uid: 0 }, 'user.name', 'root'],
    ['a new program run', { execId: 4n }, 'process.entity_id', 'id-4242-5000000000-4'],
    ['the parent', { ppid: 1 }, 'process.parent_pid', 1],
    ['the tty', { tty: '' }, 'process.interactive', false],
    ['the session', { sid: 1 }, 'process.session_leader.pid', 1],
  ])('are rebuilt when %s changes', (_what, change, key, value) => {
    const changed = { ...SAMPLE_PROC, ...change };
    const { parted, plain, built } = both([connect(SAMPLE_PROC), connect(changed), connect(SAMPLE_PROC)]);
    expect(built()).toBe(3);
    expect(parted[1].attributes[key]).toEqual(value);
    expect(parted.map((r) => r.attributes)).toEqual(plain.map((r) => r.attributes));
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
