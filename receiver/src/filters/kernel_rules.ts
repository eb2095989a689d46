// IgnoreSpec -> struct filter_rule (bpf/events.h) as bytes. The executable
// is matched by the identity of its file: the device and inode of the
// configured path, resolved here.
import { statSync } from 'node:fs';
import { FILTER_MAX_RULES, FILTER_RULE, FilterField } from '../decode/layout';
import type { IgnoreSpec } from './ignore_rule';

const AF_INET = 2;
const AF_INET6 = 10;

/** stat()'s st_dev (glibc's encoding) -> the kernel's s_dev (MKDEV: major << 20 | minor). */
export function kernelDev(stDev: bigint): number {
  const major = Number(((stDev >> 8n) & 0xfffn) | ((stDev >> 32n) & ~0xfffn));
  const minor = Number((stDev & 0xffn) | ((stDev >> 12n) & ~0xffn));
  return ((major << 20) | minor) >>> 0;
}

export interface FileIdentity {
  dev: number;
  ino: bigint;
}

export function fileIdentity(path: string): FileIdentity {
  const st = statSync(path, { bigint: true });
  return { dev: kernelDev(st.dev), ino: st.ino };
}

export function encodeRule(spec: IgnoreSpec, identity: (path: string) => FileIdentity = fileIdentity): Buffer {
  const F = FILTER_RULE.fields;
  const buf = Buffer.alloc(FILTER_RULE.size);
  let fields = 0;
  let negate = 0;
  const mark = (bit: number, neg: boolean) => {
    fields |= bit;
    if (neg) negate |= bit;
  };
  if (spec.exe) {
    const id = identity(spec.exe.value);
    buf.writeBigUInt64LE(id.ino, F.exe_ino);
    buf.writeUInt32LE(id.dev, F.exe_dev);
    mark(FilterField.FILTER_EXE, spec.exe.negate);
  }
  if (spec.uid) {
    buf.writeUInt32LE(spec.uid.value, F.uid);
    mark(FilterField.FILTER_UID, spec.uid.negate);
  }
  if (spec.port) {
    buf.writeUInt16LE(spec.port.value, F.port);
    mark(FilterField.FILTER_PORT, spec.port.negate);
  }
  if (spec.cidr) {
    const c = spec.cidr.value;
    buf.writeUInt16LE(c.family === 4 ? AF_INET : AF_INET6, F.family);
    c.network.copy(buf, F.addr);
    c.mask.copy(buf, F.mask);
    mark(FilterField.FILTER_ADDR, spec.cidr.negate);
  }
  if (spec.kinds) {
    buf.writeUInt32LE(spec.kinds.value.reduce((bits, t) => (bits | (1 << t)) >>> 0, 0), F.kinds);
    mark(FilterField.FILTER_KINDS, spec.kinds.negate);
  }
  buf.writeUInt32LE(fields, F.fields);
  buf.writeUInt32LE(negate, F.negate);
  return buf;
}

export function checkRuleCount(n: number): void {
  if (n > FILTER_MAX_RULES) throw new Error(`${n} ignore rules; the kernel holds at most ${FILTER_MAX_RULES}`);
}
