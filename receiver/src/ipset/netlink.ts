// Netlink attribute walking for messages the kernel probes copied out.
// Every length is checked against the buffer: a cut or hostile message
// yields fewer attributes, never a read past the end.

export const NLMSG_HDRLEN = 16;
export const NFGENMSG_LEN = 4;
const NLA_HDRLEN = 4;
const NLA_TYPE_MASK = 0x3fff;

export interface NlAttr {
  type: number;
  /** the payload, without the attribute header */
  value: Buffer;
}

export function align4(n: number): number {
  return (n + 3) & ~3;
}

/** The attributes in buf[start, end); stops at the first that does not fit. */
export function attributes(buf: Buffer, start = 0, end = buf.length): NlAttr[] {
  const out: NlAttr[] = [];
  let off = start;
  while (off + NLA_HDRLEN <= end) {
    const len = buf.readUInt16LE(off);
    if (len < NLA_HDRLEN || off + len > end) break;
    out.push({ type: buf.readUInt16LE(off + 2) & NLA_TYPE_MASK, value: buf.subarray(off + NLA_HDRLEN, off + len) });
    off += align4(len);
  }
  return out;
}

/** Whether the walk above stopped before the end (a cut message). */
export function attributesComplete(buf: Buffer, start = 0, end = buf.length): boolean {
  let off = start;
  while (off + NLA_HDRLEN <= end) {
    const len = buf.readUInt16LE(off);
    if (len < NLA_HDRLEN || off + len > end) return false;
    off += align4(len);
  }
  return true;
}

export function attrString(v: Buffer): string {
  const nul = v.indexOf(0);
  return v.subarray(0, nul < 0 ? v.length : nul).toString('utf8');
}

export interface NlMessageHeader {
  len: number;
  type: number;
  flags: number;
  seq: number;
}

export function messageHeader(buf: Buffer): NlMessageHeader | undefined {
  if (buf.length < NLMSG_HDRLEN) return undefined;
  return { len: buf.readUInt32LE(0), type: buf.readUInt16LE(4), flags: buf.readUInt16LE(6), seq: buf.readUInt32LE(8) };
}
