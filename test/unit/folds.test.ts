import { describe, expect, it } from 'vitest';
import type { FoldCounts, TcpEvent, UdpEvent } from '../../receiver/src/events';
import { SAMPLE_PROC } from '../../receiver/src/decode/encode';
import { Folds } from '../../receiver/src/folds/folds';
import { eventToLogRecord } from '../../receiver/src/mapping/event_to_logrecord';
import { BOOT_OFFSET_NS, testContext } from '../helpers/records';

const W = 1_000_000_000n; // 1 s windows
const G = 100n;

function first(key: string, start: bigint, kind: UdpEvent['kind'] = 'udp.send', own: Partial<FoldCounts> = {}): UdpEvent {
  return {
    kind, ktimeNs: start, proc: SAMPLE_PROC, ipVersion: 4, localAddress: '0.0.0.0', localPort: 5000,
    remoteAddress: '10.0.0.53', remotePort: 53, requestedPort: 0, error: 0,
    folding: { foldKey: Buffer.from(key), fold: { windowStartNs: start, count: 1n, a: 40n, b: 0n, ...own } },
  };
}

const end = (key: string, fold: FoldCounts) => ({ kind: 'fold_end' as const, ktimeNs: 5n * W, foldKey: Buffer.from(key), fold });

function setup() {
  const table = new Map<string, FoldCounts>();
  const out: UdpEvent[] = [];
  const flows = new Folds<UdpEvent>({ windowNs: () => W, graceNs: G, read: (k) => table.get(k.toString()), emit: (r) => out.push(r) });
  return { table, out, flows };
}

describe('Folds', () => {
  it('after a window with repeats, one summary with what followed the first, stamped at the window end', () => {
    const { table, out, flows } = setup();
    flows.watch(first('a', 10n), 77n);
    table.set('a', { windowStartNs: 10n, count: 10_000n, a: 400_000n, b: 0n });
    flows.sweep(10n + W);
    expect(out).toEqual([]);
    flows.sweep(10n + W + G);
    expect(out).toHaveLength(1);
    expect(out[0].repeat).toEqual({ count: 9_999n, a: 399_960n, b: 0n, firstTimeUnixNs: 77n, windowMs: 1000 });
    expect(out[0].ktimeNs).toBe(10n + W);
    flows.sweep(10n + 5n * W);
    expect(out).toHaveLength(1);
    expect(flows.stats()).toEqual({ pending: 0, closed: 1, summarized: 1, evicted: 0 });
  });

  it('a key seen once gives no summary', () => {
    const { table, out, flows } = setup();
    flows.watch(first('a', 10n), 77n);
    table.set('a', { windowStartNs: 10n, count: 1n, a: 40n, b: 0n });
    flows.sweep(10n + W + G);
    expect(out).toEqual([]);
    expect(flows.stats()).toEqual({ pending: 0, closed: 1, summarized: 0, evicted: 0 });
  });

  it('failed sends after the first are repeats too (they count in b, not in count)', () => {
    const { table, out, flows } = setup();
    flows.watch(first('a', 10n), 77n);
    table.set('a', { windowStartNs: 10n, count: 1n, a: 40n, b: 2n });
    flows.sweep(10n + W + G);
    expect(out[0].repeat).toMatchObject({ count: 0n, a: 0n, b: 2n });
  });

  it("takes the totals from the kernel's flow-end record when a later datagram reopened the flow", () => {
    const { table, out, flows } = setup();
    flows.watch(first('a', 10n), 77n);
    table.set('a', { windowStartNs: 2n * W, count: 1n, a: 40n, b: 0n });
    flows.end(end('a', { windowStartNs: 10n, count: 7n, a: 280n, b: 1n }));
    flows.watch(first('a', 2n * W), 77n);
    expect(out.map((r) => [r.repeat!.count, r.repeat!.a, r.repeat!.b])).toEqual([[6n, 240n, 1n]]);
    flows.sweep(2n * W + W + G);
    expect(out).toHaveLength(1);
  });

  it('a window whose key the LRU evicted gives no summary and is counted', () => {
    const { out, flows } = setup();
    flows.watch(first('gone', 10n), 77n);
    flows.sweep(10n + W + G);
    expect(out).toEqual([]);
    expect(flows.stats()).toMatchObject({ evicted: 1, closed: 1 });
  });

  it('gives up waiting for a flow-end that will never come (evicted, then reopened)', () => {
    const { table, out, flows } = setup();
    flows.watch(first('a', 10n), 77n);
    table.set('a', { windowStartNs: 500n, count: 3n, a: 1n, b: 0n });
    flows.sweep(10n + W + G);
    flows.sweep(10n + W + 2n * G);
    expect(out).toEqual([]);
    expect(flows.stats()).toMatchObject({ evicted: 1, pending: 0 });
  });

  it('flush (shutdown) summarizes open windows with the repeats so far, stamped now', () => {
    const { table, out, flows } = setup();
    flows.watch(first('a', 10n, 'udp.receive'), 77n);
    table.set('a', { windowStartNs: 10n, count: 4n, a: 160n, b: 0n });
    flows.flush(500n);
    expect(out[0]).toMatchObject({ kind: 'udp.receive', ktimeNs: 500n, repeat: { count: 3n, a: 120n } });
  });
});

describe('UDP records', () => {
  const ctx = testContext();
  it('the first datagram of a flow: source is local, destination remote, its own size', () => {
    const r = eventToLogRecord(first('a', 10n, 'udp.send'), ctx);
    expect(r.eventName).toBe('network.udp.send');
    expect(r.body).toBe('curl[4242] UDP send 0.0.0.0:5000 -> 10.0.0.53:53 (uid=1000) bytes=40');
    expect(r.attributes).toMatchObject({
      'network.transport': 'udp', 'source.port': 5000, 'destination.address': '10.0.0.53', 'destination.port': 53,
      'bpfaudit.flow.datagrams': 1, 'bpfaudit.flow.bytes': 40, 'bpfaudit.netns.inode': 4026531840,
    });
    expect(Object.keys(r.attributes).filter((k) => k.startsWith('bpfaudit.repeat.'))).toEqual([]);
  });
  it('the summary: the repeats, their bytes and errors, the window, and the first record\'s timestamp', () => {
    const ev = { ...first('a', 10n, 'udp.send'), ktimeNs: 10n + W, repeat: { count: 9_999n, a: 399_960n, b: 2n, firstTimeUnixNs: BOOT_OFFSET_NS + 10n, windowMs: 1000 } };
    const r = eventToLogRecord(ev, ctx);
    expect(r.eventName).toBe('network.udp.send');
    expect(r.body).toBe('curl[4242] UDP send 0.0.0.0:5000 -> 10.0.0.53:53 (uid=1000) - repeated 9999 more times in 1.0s, bytes=399960 errors=2');
    expect(r.attributes).toMatchObject({
      'destination.port': 53, 'bpfaudit.repeat.count': 9_999, 'bpfaudit.repeat.bytes': 399_960, 'bpfaudit.repeat.errors': 2, 'bpfaudit.repeat.window_ms': 1000,
      // the first record's Timestamp as it was emitted
      'bpfaudit.repeat.first_timestamp': '2023-11-14T22:13:20.000000010Z',
    });
    expect(r.attributes).not.toHaveProperty('bpfaudit.flow.datagrams');
    expect(r.timeUnixNs).toBe(BOOT_OFFSET_NS + 10n + W);
  });
  it('receive: source is the remote end', () => {
    const r = eventToLogRecord(first('a', 10n, 'udp.receive'), ctx);
    expect(r.body).toBe('curl[4242] UDP receive 0.0.0.0:5000 <- 10.0.0.53:53 (uid=1000) bytes=40');
    expect(r.attributes).toMatchObject({ 'source.address': '10.0.0.53', 'source.port': 53, 'destination.port': 5000 });
  });
  it('a failed send names the error', () => {
    const r = eventToLogRecord({ ...first('a', 10n, 'udp.send', { count: 0n, a: 0n, b: 1n }), error: -101 }, ctx);
    expect(r.attributes['error.type']).toBe('ENETUNREACH');
    expect(r.attributes['bpfaudit.flow.errors']).toBe(1);
    expect(r.body).toMatch(/bytes=0 - ENETUNREACH$/);
  });
  it('bind shows the port asked for and the port bound', () => {
    const r = eventToLogRecord({ ...first('a', 1n, 'udp.bind'), folding: undefined, localAddress: '127.0.0.1', localPort: 41234, requestedPort: 0 }, ctx);
    expect(r.body).toBe('curl[4242] UDP bind 127.0.0.1:0 (uid=1000) port=41234');
    expect(r.attributes).toMatchObject({ 'network.local.port': 41234, 'bpfaudit.bind.requested_port': 0 });
  });
});

describe('TCP summaries', () => {
  const ctx = testContext();
  const connect: TcpEvent = {
    kind: 'tcp.connect', ktimeNs: 10n, proc: SAMPLE_PROC, ipVersion: 4, localAddress: '10.0.0.5', localPort: 52507,
    remoteAddress: '93.184.216.34', remotePort: 443, inbound: false, error: 0, durationNs: 0n, bytesSent: 0n, bytesReceived: 0n, noOwner: false, startUnknown: false,
  };
  it('leave out the ephemeral client port of the first connection, on either side', () => {
    const repeat = { count: 999n, a: 0n, b: 0n, firstTimeUnixNs: BOOT_OFFSET_NS + 10n, windowMs: 10_000 };
    const out = eventToLogRecord({ ...connect, repeat }, ctx);
    expect(out.body).toBe('curl[4242] TCP 10.0.0.5 -> 93.184.216.34:443 (uid=1000) - repeated 999 more times in 10.0s');
    expect(out.attributes).toMatchObject({ 'server.port': 443, 'network.peer.port': 443, 'bpfaudit.repeat.count': 999 });
    expect(out.attributes).not.toHaveProperty('client.port');
    expect(out.attributes).not.toHaveProperty('network.local.port');
    const inbound = { ...connect, kind: 'tcp.close' as const, inbound: true, localPort: 443, remotePort: 52507, repeat: { ...repeat, a: 3000n, b: 12345n } };
    const close = eventToLogRecord(inbound, ctx);
    expect(close.body).toBe('curl[4242] TCP 10.0.0.5:443 <-> 93.184.216.34 (uid=1000) - repeated 999 more times in 10.0s, sent=3000 received=12345');
    expect(close.attributes).toMatchObject({ 'server.port': 443, 'network.local.port': 443, 'bpfaudit.repeat.bytes_sent': 3000, 'bpfaudit.repeat.bytes_received': 12345 });
    expect(close.attributes).not.toHaveProperty('network.peer.port');
    expect(close.attributes).not.toHaveProperty('bpfaudit.connection.duration_ms');
  });
});
