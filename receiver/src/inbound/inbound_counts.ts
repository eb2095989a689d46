// The kernel's per-source inbound counters (struct inbound_key / inbound_counts
// in bpf/events.h), summed over CPUs.
import { formatIPv4, formatIPv6 } from '../decode/inet';
import { INBOUND_COUNTS, INBOUND_KEY, INBOUND_PORT_BITS } from '../decode/layout';

const AF_INET = 2;
const K = INBOUND_KEY.fields;
const C = INBOUND_COUNTS.fields;
const PORT_WORDS = INBOUND_PORT_BITS / 64;

export interface InboundSource {
  family: 'ipv4' | 'ipv6';
  address: string;
  ifindex: number;
  packets: number;
  bytes: number;
  syns: number;
  closedPortSyns: number;
  /** destination ports told apart by their value modulo 1024: exact unless two differ by a multiple of it */
  distinctPorts: number;
}

function popcount64(v: bigint): number {
  let n = 0;
  for (; v; v &= v - 1n) n++;
  return n;
}

/** One map element: the key, and the value of every possible CPU one after the other (8-byte aligned each). */
export function decodeInboundSource(key: Buffer, perCpu: Buffer): InboundSource {
  const family = key.readUInt16LE(K.family) === AF_INET ? 'ipv4' : 'ipv6';
  const stride = Math.ceil(INBOUND_COUNTS.size / 8) * 8;
  const ports = new Array<bigint>(PORT_WORDS).fill(0n);
  const s: InboundSource = {
    family,
    address: family === 'ipv4' ? formatIPv4(key, K.addr) : formatIPv6(key, K.addr),
    ifindex: key.readUInt32LE(K.ifindex),
    packets: 0,
    bytes: 0,
    syns: 0,
    closedPortSyns: 0,
    distinctPorts: 0,
  };
  for (let at = 0; at + INBOUND_COUNTS.size <= perCpu.length; at += stride) {
    s.packets += Number(perCpu.readBigUInt64LE(at + C.packets));
    s.bytes += Number(perCpu.readBigUInt64LE(at + C.bytes));
    s.syns += perCpu.readUInt32LE(at + C.syns);
    s.closedPortSyns += perCpu.readUInt32LE(at + C.closed_syns);
    for (let w = 0; w < PORT_WORDS; w++) ports[w] |= perCpu.readBigUInt64LE(at + C.ports + w * 8);
  }
  s.distinctPorts = ports.reduce((n, w) => n + popcount64(w), 0);
  return s;
}
