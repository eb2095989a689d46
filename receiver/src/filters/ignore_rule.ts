// "ignore" rules from the config, in netlog's whitelist syntax
// (`/path/to/binary|i<ip>|p<port>`, every part optional) or the structured
// form (exe, uid, port, cidr, kinds, each negatable with "!"), parsed into
// one normalized shape. Errors are messages for the config validator.
import { isIP } from 'node:net';
import { EventType } from '../decode/layout';

export interface Negatable<T> {
  value: T;
  negate: boolean;
}

export interface Cidr {
  family: 4 | 6;
  /** the network, masked, 16 bytes (IPv4 in the first 4) */
  network: Buffer;
  mask: Buffer;
  prefix: number;
  text: string;
}

export interface IgnoreSpec {
  exe?: Negatable<string>;
  uid?: Negatable<number>;
  port?: Negatable<number>;
  cidr?: Negatable<Cidr>;
  kinds?: Negatable<number[]>;
}

/** Event names a rule may name, and the kernel event type each is. */
export const KIND_TYPES: Record<string, number> = {
  'process.exec': EventType.EVENT_EXEC,
  'process.exit': EventType.EVENT_EXIT,
  'network.tcp.connect': EventType.EVENT_TCP_CONNECT,
  'network.tcp.accept': EventType.EVENT_TCP_ACCEPT,
  'network.tcp.close': EventType.EVENT_TCP_CLOSE,
  'network.udp.bind': EventType.EVENT_UDP_BIND,
  'network.udp.connect': EventType.EVENT_UDP_CONNECT,
  'network.udp.send': EventType.EVENT_UDP_SEND,
  'network.udp.receive': EventType.EVENT_UDP_RECEIVE,
  // the kernel sees one ipset message kind; per-command rules would need the message parsed
  'ipset.*': EventType.EVENT_IPSET,
};

function negatable(raw: string): Negatable<string> {
  return raw.startsWith('!') ? { value: raw.slice(1).trim(), negate: true } : { value: raw.trim(), negate: false };
}

export function parseCidr(text: string): Cidr {
  const [addr, bits, extra] = text.split('/');
  const version = isIP(addr);
  if (!version || extra !== undefined) throw new Error(`"${text}" is not an IP address or CIDR`);
  const family = version as 4 | 6;
  const width = family === 4 ? 32 : 128;
  const prefix = bits === undefined ? width : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width || (bits !== undefined && !/^\d+$/.test(bits))) {
    throw new Error(`"${text}" has a prefix length outside 0..${width}`);
  }
  const network = Buffer.alloc(16);
  if (family === 4) {
    addr.split('.').forEach((o, i) => (network[i] = Number(o)));
  } else {
    expandIPv6(addr).copy(network);
  }
  const mask = Buffer.alloc(16);
  for (let i = 0; i < prefix; i++) mask[i >> 3] |= 0x80 >> (i & 7);
  for (let i = 0; i < 16; i++) network[i] &= mask[i];
  return { family, network, mask, prefix, text };
}

/** Whether an address (text, as records carry it) lies in the network. */
export function cidrContains(c: Cidr, address: string): boolean {
  if (!isIP(address)) return false;
  const a = parseCidr(address);
  if (a.family !== c.family) return false;
  for (let i = 0; i < 16; i++) if ((a.network[i] & c.mask[i]) !== c.network[i]) return false;
  return true;
}

function expandIPv6(addr: string): Buffer {
  const out = Buffer.alloc(16);
  let text = addr;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const o = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + `${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const words = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  words.forEach((w, i) => out.writeUInt16BE(parseInt(w, 16), i * 2));
  return out;
}

function intField(raw: number | string, what: string, min: number, max: number): Negatable<number> {
  const n = typeof raw === 'number' ? { value: String(raw), negate: false } : negatable(raw);
  const v = Number(n.value);
  if (!/^\d+$/.test(n.value) || v < min || v > max) throw new Error(`${what} must be an integer from ${min} to ${max}, optionally prefixed with "!"`);
  return { value: v, negate: n.negate };
}

export function parsePort(raw: number | string): Negatable<number> {
  return intField(raw, 'port', 1, 65535);
}

export function parseUid(raw: number | string): Negatable<number> {
  return intField(raw, 'uid', 0, 0xfffffffe);
}

export function parseKinds(raw: string[]): Negatable<number[]> {
  if (raw.length === 0) throw new Error('kinds must name at least one event');
  const negated = raw.filter((k) => k.startsWith('!')).length;
  if (negated !== 0 && negated !== raw.length) throw new Error('kinds must be all plain or all "!"-negated');
  const types = raw.map((k) => {
    const name = k.replace(/^!/, '');
    if (KIND_TYPES[name] === undefined) throw new Error(`unknown event kind ${name} (one of ${Object.keys(KIND_TYPES).join(', ')})`);
    return KIND_TYPES[name];
  });
  return { value: types, negate: negated > 0 };
}

export function parseExe(raw: string): Negatable<string> {
  const n = negatable(raw);
  if (!n.value.startsWith('/')) throw new Error(`exe must be an absolute path, got "${raw}"`);
  return n;
}

/** `/usr/sbin/sshd|i<127.0.0.1>|p<22>`; any part optional, in any order. */
export function parseNetlog(line: string): IgnoreSpec {
  const spec: IgnoreSpec = {};
  const parts = line.split('|').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error('an empty rule would ignore everything');
  for (const part of parts) {
    const m = /^([ip])<(.*)>$/.exec(part);
    if (part.startsWith('/') || part.startsWith('!/')) {
      if (spec.exe) throw new Error(`"${line}" names two executables`);
      spec.exe = parseExe(part);
    } else if (m?.[1] === 'i') {
      if (spec.cidr) throw new Error(`"${line}" names two addresses`);
      const n = negatable(m[2]);
      spec.cidr = { value: parseCidr(n.value), negate: n.negate };
    } else if (m?.[1] === 'p') {
      if (spec.port) throw new Error(`"${line}" names two ports`);
      spec.port = parsePort(m[2]);
    } else {
      throw new Error(`"${part}" in "${line}" is not /path, i<address> or p<port>`);
    }
  }
  return spec;
}

export function parseStructured(o: { exe?: string; uid?: number | string; port?: number | string; cidr?: string; kinds?: string[] }): IgnoreSpec {
  const spec: IgnoreSpec = {};
  if (o.exe !== undefined) spec.exe = parseExe(o.exe);
  if (o.uid !== undefined) spec.uid = parseUid(o.uid);
  if (o.port !== undefined) spec.port = parsePort(o.port);
  if (o.cidr !== undefined) {
    const n = negatable(o.cidr);
    spec.cidr = { value: parseCidr(n.value), negate: n.negate };
  }
  if (o.kinds !== undefined) spec.kinds = parseKinds(o.kinds);
  if (Object.keys(spec).length === 0) throw new Error('an empty rule would ignore everything');
  return spec;
}
