import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../receiver/src/config/defaults';
import { INBOUND_COUNTS, INBOUND_KEY } from '../../receiver/src/decode/layout';
import { crossedRules } from '../../receiver/src/inbound/inbound_alerts';
import { decodeInboundSource, type InboundSource } from '../../receiver/src/inbound/inbound_counts';
import { inboundAlert, inboundSummary } from '../../receiver/src/inbound/inbound_to_logrecord';

const K = INBOUND_KEY.fields;
const C = INBOUND_COUNTS.fields;
const STRIDE = 152;

function key(family: number, addr: number[], ifindex: number): Buffer {
  const k = Buffer.alloc(INBOUND_KEY.size);
  k.writeUInt32LE(7, K.window);
  k.writeUInt32LE(ifindex, K.ifindex);
  k.writeUInt16LE(family, K.family);
  Buffer.from(addr).copy(k, K.addr);
  return k;
}

function perCpu(cpus: { packets: number; bytes: number; syns: number; closed: number; ports: number[] }[]): Buffer {
  const b = Buffer.alloc(STRIDE * cpus.length);
  cpus.forEach((c, i) => {
    const at = i * STRIDE;
    b.writeBigUInt64LE(BigInt(c.packets), at + C.packets);
    b.writeBigUInt64LE(BigInt(c.bytes), at + C.bytes);
    b.writeUInt32LE(c.syns, at + C.syns);
    b.writeUInt32LE(c.closed, at + C.closed_syns);
    for (const p of c.ports) {
      const bit = p % 1024;
      const word = at + C.ports + Math.floor(bit / 64) * 8;
      b.writeBigUInt64LE(b.readBigUInt64LE(word) | (1n << BigInt(bit % 64)), word);
    }
  });
  return b;
}

describe('decodeInboundSource', () => {
  it('sums the CPUs and counts the union of their port bits', () => {
    const s = decodeInboundSource(
      key(2, [10, 251, 3, 2], 42),
      perCpu([
        { packets: 3, bytes: 180, syns: 2, closed: 1, ports: [22, 80, 443] },
        { packets: 5, bytes: 300, syns: 4, closed: 4, ports: [80, 8080, 65535] },
      ]),
    );
    expect(s).toEqual({ family: 'ipv4', address: '10.251.3.2', ifindex: 42, packets: 8, bytes: 480, syns: 6, closedPortSyns: 5, distinctPorts: 5 });
  });

  it('reads IPv6 sources; ports 1024 apart share a bit (the documented approximation)', () => {
    const s = decodeInboundSource(key(10, [0xfd, 0x77, 0, 3, ...Array(11).fill(0), 2], 9), perCpu([{ packets: 2, bytes: 2, syns: 0, closed: 0, ports: [53, 53 + 1024] }]));
    expect([s.family, s.address, s.distinctPorts]).toEqual(['ipv6', 'fd77:3::2', 1]);
  });
});

const source: InboundSource = { family: 'ipv4', address: '10.0.0.9', ifindex: 3, packets: 60_000, bytes: 3_600_000, syns: 400, closedPortSyns: 399, distinctPorts: 400 };

describe('crossedRules', () => {
  it('measures rates over the real window and names every rule crossed, heavy first', () => {
    expect(crossedRules(source, 3, DEFAULT_CONFIG.probes.inbound.alerts)).toEqual([
      { rule: 'heavy.packets_per_second', value: 20_000, threshold: 10_000 },
      { rule: 'scan.distinct_ports', value: 400, threshold: 100 },
      { rule: 'scan.closed_port_syns', value: 399, threshold: 50 },
    ]);
  });

  it('a threshold of 0 turns its rule off; values below every threshold raise nothing', () => {
    expect(crossedRules(source, 3, { packets_per_second: 0, bytes_per_second: 0, distinct_ports: 0, closed_port_syns: 0 })).toEqual([]);
    expect(crossedRules({ ...source, packets: 10, bytes: 600, syns: 1, closedPortSyns: 0, distinctPorts: 1 }, 60, DEFAULT_CONFIG.probes.inbound.alerts)).toEqual([]);
  });
});

describe('inbound records', () => {
  const w = { interfaceName: 'veth\nfake', netnsInode: 4026531840, startUnixNs: 1_000_000_000_000n, endUnixNs: 1_060_000_000_000n };

  it('a summary carries the counts, the window and an escaped interface name in one line', () => {
    const r = inboundSummary(source, w);
    expect(r).toMatchObject({ eventName: 'network.inbound.summary', severityText: 'INFO', timeUnixNs: w.endUnixNs });
    expect(r.body).toBe('inbound 10.0.0.9 on veth\\nfake: 60,000 packets, 3,600,000 bytes, 400 SYNs (399 to closed ports), 400 ports in 60.0s');
    expect(r.attributes).toEqual({
      'source.address': '10.0.0.9', 'network.type': 'ipv4', 'network.interface.name': 'veth\nfake', 'bpfaudit.netns.inode': 4026531840,
      'bpfaudit.inbound.window_ms': 60_000, 'bpfaudit.inbound.packets': 60_000, 'bpfaudit.inbound.bytes': 3_600_000,
      'bpfaudit.inbound.syns': 400, 'bpfaudit.inbound.closed_port_syns': 399, 'bpfaudit.inbound.distinct_ports': 400,
    });
  });

  it('an alert is WARN and names the first rule, its value and threshold, and all rules crossed', () => {
    const crossed = crossedRules(source, 60, DEFAULT_CONFIG.probes.inbound.alerts);
    const r = inboundAlert(source, w, crossed);
    expect(r.severityText).toBe('WARN');
    expect(r.attributes).toMatchObject({ 'bpfaudit.alert.rule': 'scan.distinct_ports', 'bpfaudit.alert.value': 400, 'bpfaudit.alert.threshold': 100, 'bpfaudit.alert.rules': ['scan.distinct_ports', 'scan.closed_port_syns'] });
    expect(r.body).toBe('inbound alert from 10.0.0.9 on veth\\nfake: scan.distinct_ports=400 (>= 100), scan.closed_port_syns=399 (>= 50)');
  });
});
