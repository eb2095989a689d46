import { describe, expect, it } from 'vitest';
import type { UdpEvent, UdpFlowCounts } from '../../receiver/src/events';
import { SAMPLE_PROC } from '../../receiver/src/decode/encode';
import { UdpFlows } from '../../receiver/src/flows/udp_flows';
import { eventToLogRecord } from '../../receiver/src/mapping/event_to_logrecord';
import { testContext } from '../helpers/records';

const W = 1000n;
const G = 100n;

function first(key: string, start: bigint, kind: UdpEvent['kind'] = 'udp.send'): UdpEvent {
  return {
    kind, ktimeNs: start, proc: SAMPLE_PROC, ipVersion: 4, localAddress: '0.0.0.0', localPort: 5000,
    remoteAddress: '10.0.0.53', remotePort: 53, requestedPort: 0, error: 0,
    flow: { windowStartNs: start, datagrams: 1n, bytes: 40n, errors: 0n }, flowKey: Buffer.from(key),
  };
}

function setup() {
  const table = new Map<string, UdpFlowCounts>();
  const out: UdpEvent[] = [];
  const flows = new UdpFlows({ windowNs: W, graceNs: G, read: (k) => table.get(k.toString()), emit: (r) => out.push(r) });
  return { table, out, flows };
}

describe('UdpFlows', () => {
  it('holds the first datagram until the window is over, then emits one record with the totals', () => {
    const { table, out, flows } = setup();
    flows.onEvent(first('a', 10n));
    table.set('a', { windowStartNs: 10n, datagrams: 10_000n, bytes: 400_000n, errors: 0n });
    flows.sweep(10n + W);
    expect(out).toEqual([]);
    flows.sweep(10n + W + G);
    expect(out).toHaveLength(1);
    expect(out[0].flow).toEqual({ windowStartNs: 10n, datagrams: 10_000n, bytes: 400_000n, errors: 0n });
    flows.sweep(10n + 5n * W);
    expect(out).toHaveLength(1);
    expect(flows.stats()).toEqual({ pending: 0, closed: 1, evicted: 0 });
  });

  it('takes the totals from the kernel\'s flow-end record when a later datagram reopened the flow', () => {
    const { table, out, flows } = setup();
    flows.onEvent(first('a', 10n));
    table.set('a', { windowStartNs: 2000n, datagrams: 1n, bytes: 40n, errors: 0n });
    flows.onEvent({ ...first('a', 2000n), kind: 'udp.flow_end', flow: { windowStartNs: 10n, datagrams: 7n, bytes: 280n, errors: 1n } });
    flows.onEvent(first('a', 2000n));
    expect(out.map((r) => [r.kind, r.flow.datagrams, r.flow.errors])).toEqual([['udp.send', 7n, 1n]]);
    flows.sweep(2000n + W + G);
    expect(out.map((r) => [r.flow.windowStartNs, r.flow.datagrams])).toEqual([[10n, 7n], [2000n, 1n]]);
  });

  it('emits a window whose flow the LRU evicted, flagged incomplete and counted', () => {
    const { out, flows } = setup();
    flows.onEvent(first('gone', 10n));
    flows.sweep(10n + W + G);
    expect(out[0]).toMatchObject({ incomplete: true, flow: { datagrams: 1n } });
    expect(flows.stats().evicted).toBe(1);
  });

  it('gives up waiting for a flow-end that will never come (evicted, then reopened)', () => {
    const { table, out, flows } = setup();
    flows.onEvent(first('a', 10n));
    table.set('a', { windowStartNs: 500n, datagrams: 3n, bytes: 1n, errors: 0n });
    flows.sweep(10n + W + G);
    expect(out).toEqual([]);
    flows.sweep(10n + W + 2n * G);
    expect(out[0].incomplete).toBe(true);
  });

  it('flush closes open windows with the totals so far', () => {
    const { table, out, flows } = setup();
    flows.onEvent(first('a', 10n, 'udp.receive'));
    table.set('a', { windowStartNs: 10n, datagrams: 4n, bytes: 160n, errors: 0n });
    flows.flush();
    expect(out[0]).toMatchObject({ kind: 'udp.receive', flow: { datagrams: 4n } });
    expect(out[0].incomplete).toBeUndefined();
  });
});

describe('UDP records', () => {
  const ctx = testContext();
  it('send: source is local, destination remote, totals and window', () => {
    const r = eventToLogRecord({ ...first('a', 10n), flow: { windowStartNs: 10n, datagrams: 3n, bytes: 120n, errors: 0n } }, ctx);
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
    const r = eventToLogRecord({ ...first('a', 10n), error: -101, flow: { windowStartNs: 10n, datagrams: 0n, bytes: 0n, errors: 1n } }, ctx);
    expect(r.attributes['error.type']).toBe('ENETUNREACH');
    expect(r.body).toMatch(/errors=1 - ENETUNREACH$/);
  });
  it('bind shows the port asked for and the port bound', () => {
    const r = eventToLogRecord({ ...first('a', 1n, 'udp.bind'), localAddress: '127.0.0.1', localPort: 41234, requestedPort: 0 }, ctx);
    expect(r.body).toBe('curl[4242] UDP bind 127.0.0.1:0 (uid=1000) port=41234');
    expect(r.attributes).toMatchObject({ 'network.local.port': 41234, 'bpfaudit.bind.requested_port': 0 });
  });
});
