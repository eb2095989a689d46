// Kernel strings are bytes: valid UTF-8 is kept, any invalid byte becomes
// the four characters \xNN so nothing is lost or silently replaced.

const strict = new TextDecoder('utf-8', { fatal: true });

function isAscii(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] > 0x7f) return false;
  return true;
}

function hex2(b: number): string {
  return (b < 16 ? '0' : '') + b.toString(16);
}

/** Decodes bytes [start, end), keeping invalid UTF-8 visible as \xNN. */
export function bytesToText(buf: Buffer, start: number, end: number): string {
  if (isAscii(buf, start, end)) return buf.toString('latin1', start, end);
  try {
    return strict.decode(buf.subarray(start, end));
  } catch {
    return decodeLossless(buf, start, end);
  }
}

function decodeLossless(buf: Buffer, start: number, end: number): string {
  let out = '';
  let i = start;
  while (i < end) {
    const b = buf[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 1) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    if (len > 0 && i + len <= end) {
      try {
        out += strict.decode(buf.subarray(i, i + len));
        i += len;
        continue;
      } catch {
        // not a valid sequence: fall through and escape the lead byte
      }
    }
    out += '\\x' + hex2(b);
    i++;
  }
  return out;
}

/**
 * Where the first NUL in [start, limit) is, or limit. Scanned in JS: kernel
 * strings are short, and Buffer#indexOf, a native call, cost more.
 */
export function nulAt(buf: Buffer, start: number, limit: number): number {
  const end = Math.min(limit, buf.length);
  let i = start;
  while (i < end && buf[i] !== 0) i++;
  return i;
}

/** A NUL-terminated string inside a fixed-size field. */
export function cString(buf: Buffer, start: number, size: number): string {
  return bytesToText(buf, start, nulAt(buf, start, start + size));
}
