// An ipset element (the attributes of one IPSET_ATTR_DATA) in ipset's own
// notation: 10.0.0.1, 10.0.0.0/24, 10.0.0.1-10.0.0.9, 10.0.0.1,tcp:80,
// 2001:db8::/64,udp:53-60,10.0.0.2, ..., with its options after a space.
import { formatIPv4, formatIPv6 } from '../decode/inet';
import { attrString, attributes, type NlAttr } from './netlink';

const A = {
  IP: 1, IP_TO: 2, CIDR: 3, PORT: 4, PORT_TO: 5, TIMEOUT: 6, PROTO: 7, CADT_FLAGS: 8,
  MARK: 10, ETHER: 17, NAME: 18, NAMEREF: 19, IP2: 20, CIDR2: 21, IP2_TO: 22, IFACE: 23, COMMENT: 26,
} as const;
const IPADDR_IPV4 = 1;
const IPADDR_IPV6 = 2;
const FLAG_BEFORE = 1;
const FLAG_PHYSDEV = 2;
const FLAG_NOMATCH = 4;

const PROTOCOLS: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 132: 'sctp', 136: 'udplite' };

/** IPSET_ATTR_IP-style nested address -> text and its full-length prefix. */
function address(attr: NlAttr | undefined): { text: string; bits: number } | undefined {
  if (!attr) return undefined;
  for (const inner of attributes(attr.value)) {
    if (inner.type === IPADDR_IPV4 && inner.value.length >= 4) return { text: formatIPv4(inner.value, 0), bits: 32 };
    if (inner.type === IPADDR_IPV6 && inner.value.length >= 16) return { text: formatIPv6(inner.value, 0), bits: 128 };
  }
  return undefined;
}

function ipPart(from: NlAttr | undefined, to: NlAttr | undefined, cidr: NlAttr | undefined): string | undefined {
  const a = address(from);
  if (!a) return undefined;
  const b = address(to);
  if (b) return `${a.text}-${b.text}`;
  const bits = cidr?.value[0];
  return bits !== undefined && bits !== a.bits ? `${a.text}/${bits}` : a.text;
}

function portPart(m: Map<number, NlAttr>): string | undefined {
  const port = m.get(A.PORT);
  if (!port || port.value.length < 2) return undefined;
  const proto = m.get(A.PROTO)?.value[0];
  const from = port.value.readUInt16BE(0);
  const toAttr = m.get(A.PORT_TO);
  const to = toAttr && toAttr.value.length >= 2 ? toAttr.value.readUInt16BE(0) : undefined;
  if (proto === 1 || proto === 58) {
    // ICMP carries type and code in the port
    return `${PROTOCOLS[proto]}:${from >> 8}/${from & 0xff}`;
  }
  const range = to !== undefined && to !== from ? `${from}-${to}` : `${from}`;
  if (proto === undefined) return range;
  return `${PROTOCOLS[proto] ?? proto}:${range}`;
}

function hex(v: Buffer): string {
  return [...v].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function formatEntry(data: Buffer): string | undefined {
  const m = new Map<number, NlAttr>();
  for (const a of attributes(data)) m.set(a.type, a);
  const flags = m.get(A.CADT_FLAGS)?.value;
  const cadt = flags && flags.length >= 4 ? flags.readUInt32BE(0) : 0;
  const parts: string[] = [];
  const ip = ipPart(m.get(A.IP), m.get(A.IP_TO), m.get(A.CIDR));
  if (ip) parts.push(ip);
  const ether = m.get(A.ETHER);
  if (ether && ether.value.length >= 6) parts.push(hex(ether.value.subarray(0, 6)));
  const port = portPart(m);
  if (port) parts.push(port);
  const ip2 = ipPart(m.get(A.IP2), m.get(A.IP2_TO), m.get(A.CIDR2));
  if (ip2) parts.push(ip2);
  const iface = m.get(A.IFACE);
  if (iface) parts.push(`${cadt & FLAG_PHYSDEV ? 'physdev:' : ''}${attrString(iface.value)}`);
  const mark = m.get(A.MARK);
  if (mark && mark.value.length >= 4) parts.push(`0x${mark.value.readUInt32BE(0).toString(16).padStart(8, '0')}`);
  const name = m.get(A.NAME);
  if (name) {
    const ref = m.get(A.NAMEREF);
    parts.push(attrString(name.value) + (ref ? ` ${cadt & FLAG_BEFORE ? 'before' : 'after'} ${attrString(ref.value)}` : ''));
  }
  if (parts.length === 0) return undefined;
  let entry = parts.join(',');
  const timeout = m.get(A.TIMEOUT);
  if (timeout && timeout.value.length >= 4) entry += ` timeout ${timeout.value.readUInt32BE(0)}`;
  if (cadt & FLAG_NOMATCH) entry += ' nomatch';
  const comment = m.get(A.COMMENT);
  if (comment) entry += ` comment ${JSON.stringify(attrString(comment.value))}`;
  return entry;
}
