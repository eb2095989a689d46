// Body lines written as UTF-8 into shared chunks, not built as strings: a
// line built from a dozen template pieces allocated ~300 bytes of string
// parts, which the OTLP encoder then flattened and wrote out again; a
// quarter of what the pipeline allocated per record went to bodies. A
// record keeps its line's place in a chunk; the encoder copies the bytes,
// and the text is decoded only for exporters that read it.
import { isAscii } from '../ascii';

/** Lines are a few dozen to a few hundred bytes: a chunk holds hundreds, and lives until its last record is gone. */
const CHUNK_BYTES = 1 << 16;
/** up to here a byte loop beats a call into Buffer#write */
const SHORT = 16;

export class LineBytes {
  /** the current line is chunk[start, pos) */
  chunk: Buffer;
  start = 0;
  pos = 0;

  constructor(private readonly chunkBytes = CHUNK_BYTES) {
    this.chunk = Buffer.allocUnsafeSlow(chunkBytes);
  }

  /** Starts a line after the last one, which stays where it is (as does a line left unfinished by a throw). */
  begin(): void {
    this.start = this.pos;
  }

  /** A line that outgrows the chunk moves, with what it holds so far, to a new one. */
  private room(n: number): void {
    if (this.pos + n <= this.chunk.length) return;
    const sofar = this.pos - this.start;
    const chunk = Buffer.allocUnsafeSlow(Math.max(this.chunkBytes, 2 * (sofar + n)));
    this.chunk.copy(chunk, 0, this.start, this.pos);
    this.chunk = chunk;
    this.start = 0;
    this.pos = sofar;
  }

  text(s: string): void {
    const n = s.length;
    if (n <= SHORT) {
      // copied while checked: a character past ASCII sends the string to the UTF-8 writer instead
      this.room(n);
      const c = this.chunk;
      const p = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const code = s.charCodeAt(i);
        if (code > 0x7f) break;
        c[p + i] = code;
      }
      if (i === n) {
        this.pos = p + n;
        return;
      }
    } else if (isAscii(s)) {
      this.room(n);
      this.pos += this.chunk.write(s, this.pos, 'latin1');
      return;
    }
    this.room(Buffer.byteLength(s));
    this.pos += this.chunk.write(s, this.pos, 'utf8');
  }

  /** A non-negative integer in decimal, as String(n) writes it. */
  uint(v: number): void {
    if (v > Number.MAX_SAFE_INTEGER || !Number.isInteger(v) || v < 0) {
      this.text(String(v));
      return;
    }
    // pids, ids and ports fit 31 bits, where integer division is a third cheaper than flooring doubles
    const small = v <= 0x7fffffff;
    let digits = 1;
    for (let x = v; x >= 10; x = small ? (x / 10) | 0 : Math.floor(x / 10)) digits++;
    this.room(digits);
    const c = this.chunk;
    let p = this.pos + digits;
    this.pos = p;
    while (v >= 10) {
      const q = small ? (v / 10) | 0 : Math.floor(v / 10);
      c[--p] = 48 + (v - q * 10);
      v = q;
    }
    c[--p] = 48 + v;
  }

  /** A counter in decimal, as String(n) writes it. */
  big(v: bigint): void {
    if (v >= 0n && v <= MAX_SAFE) this.uint(Number(v));
    else this.text(String(v));
  }

  /** The current line as text. */
  toString(): string {
    return this.chunk.toString('utf8', this.start, this.pos);
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
