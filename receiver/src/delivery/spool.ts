// An on-disk queue of OTLP request payloads, oldest first, bounded by size.
// Each batch is one file (written to a temporary name, synced, renamed), so
// what was spooled survives a crash or restart and is sent in order. When a
// new batch does not fit, the oldest batches are discarded and counted:
// the newest evidence is kept.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const MAGIC = 0x53415042; // "BPAS"
const HEADER = 12; // magic, records, payload length (u32 each)

export interface SpoolEntry {
  seq: number;
  records: number;
  payload: Buffer;
}

export interface SpoolStats {
  batches: number;
  bytes: number;
  /** records discarded because the spool was full */
  overflowRecords: number;
}

function name(seq: number): string {
  return `${String(seq).padStart(16, '0')}.otlp`;
}

export class Spool {
  private readonly entries: { seq: number; bytes: number; records: number }[] = [];
  private nextSeq = 1;
  private bytes = 0;
  private overflowRecords = 0;

  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
    private readonly sync = true,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const f of readdirSync(dir).sort()) {
      const m = /^(\d{16})\.otlp$/.exec(f);
      if (!m) {
        if (f.endsWith('.tmp')) unlinkSync(join(dir, f)); // a write cut short by a crash
        continue;
      }
      const seq = Number(m[1]);
      const size = statSync(join(dir, f)).size;
      const records = this.readHeader(seq);
      if (records === undefined) continue;
      this.entries.push({ seq, bytes: size, records });
      this.bytes += size;
      this.nextSeq = Math.max(this.nextSeq, seq + 1);
    }
  }

  private readHeader(seq: number): number | undefined {
    const buf = readFileSync(join(this.dir, name(seq)));
    if (buf.length < HEADER || buf.readUInt32LE(0) !== MAGIC || buf.readUInt32LE(8) !== buf.length - HEADER) {
      // a torn or foreign file: it cannot be sent, so it is set aside, not silently lost
      renameSync(join(this.dir, name(seq)), join(this.dir, `${name(seq)}.corrupt`));
      return undefined;
    }
    return buf.readUInt32LE(4);
  }

  append(payload: Uint8Array, records: number): void {
    const size = HEADER + payload.length;
    while (this.entries.length && this.bytes + size > this.maxBytes) this.discardOldest();
    if (size > this.maxBytes) {
      this.overflowRecords += records;
      return;
    }
    const seq = this.nextSeq++;
    const head = Buffer.alloc(HEADER);
    head.writeUInt32LE(MAGIC, 0);
    head.writeUInt32LE(records, 4);
    head.writeUInt32LE(payload.length, 8);
    const tmp = join(this.dir, `${name(seq)}.tmp`);
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, head);
      writeSync(fd, payload);
      if (this.sync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, name(seq)));
    this.entries.push({ seq, bytes: size, records });
    this.bytes += size;
  }

  private discardOldest(): void {
    const e = this.entries.shift()!;
    this.bytes -= e.bytes;
    this.overflowRecords += e.records;
    unlinkSync(join(this.dir, name(e.seq)));
  }

  /** The oldest batch, or undefined when empty. */
  oldest(): SpoolEntry | undefined {
    const e = this.entries[0];
    if (!e) return undefined;
    const buf = readFileSync(join(this.dir, name(e.seq)));
    return { seq: e.seq, records: e.records, payload: buf.subarray(HEADER) };
  }

  /** Removes a batch that was delivered; false when overflow already discarded it. */
  remove(seq: number): boolean {
    const i = this.entries.findIndex((e) => e.seq === seq);
    if (i < 0) return false;
    const [e] = this.entries.splice(i, 1);
    this.bytes -= e.bytes;
    unlinkSync(join(this.dir, name(e.seq)));
    return true;
  }

  /** Whether a new batch would fit without discarding one: false applies backpressure upstream. */
  hasRoom(): boolean {
    return this.bytes < this.maxBytes * 0.9;
  }

  stats(): SpoolStats {
    return { batches: this.entries.length, bytes: this.bytes, overflowRecords: this.overflowRecords };
  }
}
