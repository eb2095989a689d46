import { describe, expect, it } from 'vitest';
import type { FoldCounts, UdpEvent } from '../../receiver/src/events';
import { SAMPLE_PROC } from '../../receiver/src/decode/encode';
import { Folds } from '../../receiver/src/folds/folds';
import { eventToLogRecord } from '../../receiver/src/mapping/event_to_logrecord';
import { testContext } from '../helpers/records';

const W = 1000n;
const G = 100n;

function first(key: string, start: bigint, kind: UdpEvent['kind'] = 'udp.send', totals: Partial<FoldCounts> = {}): UdpEvent {
  return {
    kind, ktimeNs: start, proc: SAMPLE_PROC, ipVersion: 4, localAddress: '0.0.0.0', localPort: 5000,
    remoteAddress: '10.0.0.53', remotePort: 53, requestedPort: 0, error: 0,
    folding: { foldKey: Buffer.from(key), fold: { windowStartNs: start, count: 1n, a: 40n, b: 0n, ...totals } },
  };
}

const end = (key: string, fold: FoldCounts) => ({ kind: 'fold_end' as const, ktimeNs: 0n, foldKey: Buffer.from(key), fold });

function setup() {
  const table = new Map<string, FoldCounts>();
  const out: UdpEvent[] = [];
  const flows = new Folds<UdpEvent>({ windowNs: () => W, graceNs: G, read: (k) => table.get(k.toString()), emit: (r) => out.push(r) });
  return { table, out, flows };
}

describe('Folds', () => {
  it('holds the first datagram until the window is over, then emits one record with the totals', () => {
    const { table, out, flows } = setup();
    flows.hold(first('a', 10n));
    table.set('a', { windowStartNs: 10n, count: 10_000n, a: 400_000n, b: 0n });
    flows.sweep(10n + W);
    expect(out).toEqual([]);
    flows.sweep(10n + W + G);
    expect(out).toHaveLength(1);
    expect(out[0].folding!.fold).toEqual({ windowStartNs: 10n, count: 10_000n, a: 400_000n, b: 0n });
    flows.sweep(10n + 5n * W);
    expect(out).toHaveLength(1);
    expect(flows.stats()).toEqual({ pending: 0, closed: 1, evicted: 0 });
  });

  it('takes the totals from the kernel\'s flow-end record when a later datagram reopened the flow', () => {
    const { table, out, flows } = setup();
    flows.hold(first('a', 10n));
    table.set('a', { windowStartNs: 2000n, count: 1n, a: 40n, b: 0n });
    flows.end(end('a', { windowStartNs: 10n, count: 7n, a: 280n, b: 1n }));
    flows.hold(first('a', 2000n));
    expect(out.map((r) => [r.kind, r.folding!.fold.count, r.folding!.fold.b])).toEqual([['udp.send', 7n, 1n]]);
    flows.sweep(2000n + W + G);
    expect(out.map((r) => [r.folding!.fold.windowStartNs, r.folding!.fold.count])).toEqual([[10n, 7n], [2000n, 1n]]);
  });

  it('emits a window whose flow the LRU evicted, flagged incomplete and counted', () => {
    const { out, flows } = setup();
    flows.hold(first('gone', 10n));
    flows.sweep(10n + W + G);
    expect(out[0].folding).toMatchObject({ incomplete: true, fold: { count: 1n } });
    expect(flows.stats().evicted).toBe(1);
  });

  it('gives up waiting for a flow-end that will never come (evicted, then reopened)', () => {
    const { table, out, flows } = setup();
    flows.hold(first('a', 10n));
    table.set('a', { windowStartNs: 500n, count: 3n, a: 1n, b: 0n });
    flows.sweep(10n + W + G);
    expect(out).toEqual([]);
    flows.sweep(10n + W + 2n * G);
    expect(out[0].folding!.incomplete).toBe(true);
  });

  it('flush closes open windows with the totals so far', () => {
    const { table, out, flows } = setup();
    flows.hold(first('a', 10n, 'udp.receive'));
    table.set('a', { windowStartNs: 10n, count: 4n, a: 160n, b: 0n });
    flows.flush();
    expect(out[0]).toMatchObject({ kind: 'udp.receive', folding: { fold: { count: 4n } } });
    expect(out[0].folding!.incomplete).toBeUndefined();
  });
});

describe('UDP records', () => {
  const ctx = testContext();
  it('send: source is local, destination remote, totals and window', () => {
    const r = eventToLogRecord(first('a', 10n, 'udp.send', { count: 3n, a: 120n }), ctx);
    expect(r.eventName).toBe('network.udp.send');
    expect(r.body).toBe('curl[4242] UDP send 0.0.0.0:5000 -> 10.0.0.53:53 (uid=1000) datagrams=3 bytes=120');
    expect(r.attributes).toMatchObject({
      'network.transport': 'udp', 'source.port': 5000, 'destination.address': '10.0.0.53', 'destination.port': 53,
      'bpfaudit.flow.datagrams': 3, 'bpfaudit.flow.bytes': 120, 'bpfaudit.flow.window_ms': 10_000, 'bpfaudit.netns.inode': 4026531840,
    });
  });
  it('receive: source is the remote end', () => {
    const r = eventToLogRecord(first('a', 10n, 'udp.receive'), ctx);
    expect(r.body).toBe('curl[4242] UDP receive 0.0.0.0:5000 <- 10.0.0.53:53 (uid=1000) datagrams=1 bytes=40');
    expect(r.attributes).toMatchObject({ 'source.address': '10.0.0.53', 'source.port': 53, 'destination.port': 5000 });
  });
  it('a failed send names the error', () => {
    const r = eventToLogRecord({ ...first('a', 10n, 'udp.send', { count: 0n, a: 0n, b: 1n }), error: -101 }, ctx);
    expect(r.attributes['error.type']).toBe('ENETUNREACH');
    expect(r.body).toMatch(/errors=1 - ENETUNREACH$/);
  });
  it('bind shows the port asked for and the port bound', () => {
    const r = eventToLogRecord({ ...first('a', 1n, 'udp.bind'), folding: undefined, localAddress: '127.0.0.1', localPort: 41234, requestedPort: 0 }, ctx);
    expect(r.body).toBe('curl[4242] UDP bind 127.0.0.1:0 (uid=1000) port=41234');
    expect(r.attributes).toMatchObject({ 'network.local.port': 41234, 'bpfaudit.bind.requested_port': 0 });
  });
});
