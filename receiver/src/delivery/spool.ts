// An on-disk queue of OTLP request payloads, oldest first, bounded by size.
// Each batch is one file (written to a temporary name, synced, renamed), so
// what was spooled survives a crash or restart and is sent in order. When a
// new batch does not fit, the oldest batches are discarded and counted:
// the newest evidence is kept. Each file records how its payload was encoded,
// so a receiver restarted with another OTLP protocol sends it as it is, and
// how it is compressed (once, when spooled: a twenty-fifth of the bytes to
// write and sync, and no compression again on a retry). A
// batch the collector refuses for good is set aside in rejected/, with the
// answer, for an operator to look at. Writing, syncing and removing a batch
// run on libuv's thread pool: a sync waits for the disk, tens to hundreds of
// milliseconds on a busy host, and on the event loop that wait stopped the
// records behind it (the ring buffer filled in the bench's live runs). Batches
// are written side by side, not one after another: each of a write's five
// steps waits for a turn of the event loop, which a busy receiver spends on a
// ring batch, and one write at a time held the bench's pipeline to a batch
// per 25-45 ms (the disk itself syncs one in under a millisecond, and
// concurrent syncs are committed together). A batch joins the queue only once
// every batch before it is on disk, so the sender still sees them in order.
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdirPrivate } from '../private_dir';
import { COMPRESSIONS, type Compression } from './compression';
import { lockSpool } from './spool_lock';

export type SpoolEncoding = 'protobuf' | 'json';

// the magic says the encoding and the compression: "BP", then A (none), Z (gzip) or S (zstd), then P (protobuf) or J (JSON)
const COMPRESSION_LETTER: Record<Compression, string> = { none: 'A', gzip: 'Z', zstd: 'S' };
const ENCODING_LETTER: Record<SpoolEncoding, string> = { protobuf: 'P', json: 'J' };
const magicOf = (encoding: SpoolEncoding, compression: Compression) => Buffer.from(`BP${COMPRESSION_LETTER[compression]}${ENCODING_LETTER[encoding]}`, 'latin1').readUInt32LE(0);
// "BPAS": written before the encoding was recorded; an OTLP/JSON request starts with "{"
const LEGACY_MAGIC = 0x53415042;
const HEADER = 12; // magic, records, payload length (u32 each)

export interface SpoolEntry {
  seq: number;
  records: number;
  encoding: SpoolEncoding;
  compression: Compression;
  payload: Buffer;
}

export interface SpoolStats {
  /** queued, and being written */
  batches: number;
  bytes: number;
  /** records discarded because the spool was full */
  overflowRecords: number;
  /** batches moved to rejected/ */
  setAside: number;
}

function name(seq: number): string {
  return `${String(seq).padStart(16, '0')}.otlp`;
}

interface Write {
  seq: number;
  bytes: number;
  records: number;
  state: 'writing' | 'written' | 'failed';
}

export class Spool {
  private readonly entries: { seq: number; bytes: number; records: number }[] = [];
  /** batches being written, in the order they were appended */
  private readonly writes: Write[] = [];
  private nextSeq = 1;
  /** of the queued batches and those being written */
  private bytes = 0;
  private overflowRecords = 0;
  private setAside = 0;
  private readonly unlock: () => void;

  /** Throws SpoolLockedError while another receiver uses `dir`. */
  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
    private readonly sync = true,
  ) {
    mkdirPrivate(dir, 0o700);
    this.unlock = lockSpool(dir);
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
    if (buf.length < HEADER || formatOf(buf) === undefined || buf.readUInt32LE(8) !== buf.length - HEADER) {
      // a torn or foreign file: it cannot be sent, so it is set aside, not silently lost
      renameSync(join(this.dir, name(seq)), join(this.dir, `${name(seq)}.corrupt`));
      return undefined;
    }
    return buf.readUInt32LE(4);
  }

  /**
   * Resolves once the batch is on disk and queued behind every batch appended
   * before it; `payload` must stay unchanged until then. Room is made at once,
   * in the order of the calls.
   */
  append(payload: Uint8Array, records: number, encoding: SpoolEncoding, compression: Compression = 'none'): Promise<void> {
    const size = HEADER + payload.length;
    if (size > this.maxBytes) {
      this.overflowRecords += records;
      return Promise.resolve();
    }
    const discarded: Promise<void>[] = [];
    while (this.entries.length && this.bytes + size > this.maxBytes) discarded.push(this.discardOldest());
    const write: Write = { seq: this.nextSeq++, bytes: size, records, state: 'writing' };
    this.writes.push(write);
    this.bytes += size;
    return this.write(write, payload, encoding, compression, discarded);
  }

  private async write(w: Write, payload: Uint8Array, encoding: SpoolEncoding, compression: Compression, discarded: Promise<void>[]): Promise<void> {
    const tmp = join(this.dir, `${name(w.seq)}.tmp`);
    try {
      await Promise.all(discarded);
      const head = Buffer.alloc(HEADER);
      head.writeUInt32LE(magicOf(encoding, compression), 0);
      head.writeUInt32LE(w.records, 4);
      head.writeUInt32LE(payload.length, 8);
      const file = await open(tmp, 'w', 0o600);
      try {
        await file.writev([head, payload]);
        if (this.sync) await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, join(this.dir, name(w.seq)));
      w.state = 'written';
    } catch (e) {
      w.state = 'failed';
      this.bytes -= w.bytes;
      // a write cut short (a full disk) leaves no partial file to fill the disk further as it is retried
      await unlink(tmp).catch(() => undefined);
      throw e;
    } finally {
      this.settle();
    }
  }

  /** Queues the written batches no earlier one is still being written ahead of; a failed one is left out. */
  private settle(): void {
    while (this.writes.length && this.writes[0].state !== 'writing') {
      const w = this.writes.shift()!;
      if (w.state === 'written') this.entries.push({ seq: w.seq, bytes: w.bytes, records: w.records });
    }
  }

  private discardOldest(): Promise<void> {
    const e = this.entries.shift()!;
    this.bytes -= e.bytes;
    this.overflowRecords += e.records;
    return unlink(join(this.dir, name(e.seq)));
  }

  /** The oldest batch, or undefined when empty. */
  oldest(): SpoolEntry | undefined {
    const e = this.entries[0];
    if (!e) return undefined;
    const buf = readFileSync(join(this.dir, name(e.seq)));
    return { seq: e.seq, records: e.records, ...formatOf(buf)!, payload: buf.subarray(HEADER) };
  }

  /** Removes a batch that was delivered; false when overflow already discarded it. */
  async remove(seq: number): Promise<boolean> {
    const e = this.take(seq);
    if (e) await unlink(join(this.dir, name(e.seq)));
    return e !== undefined;
  }

  /**
   * Moves a batch the collector refused for good to rejected/, beside the
   * collector's answer; false when overflow already discarded it.
   */
  reject(seq: number, answer: string): boolean {
    const e = this.take(seq);
    if (!e) return false;
    const dir = this.rejectedDir();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    renameSync(join(this.dir, name(e.seq)), join(dir, name(e.seq)));
    writeFileSync(join(dir, `${name(e.seq)}.answer.txt`), answer + '\n', { mode: 0o600 });
    this.setAside++;
    return true;
  }

  rejectedDir(): string {
    return join(this.dir, 'rejected');
  }

  private take(seq: number): { seq: number; bytes: number } | undefined {
    const i = this.entries.findIndex((e) => e.seq === seq);
    if (i < 0) return undefined;
    const [e] = this.entries.splice(i, 1);
    this.bytes -= e.bytes;
    return e;
  }

  /** Gives the directory up for another receiver; what is spooled stays. */
  close(): void {
    this.unlock();
  }

  /** Whether a new batch would fit without discarding one: false applies backpressure upstream. */
  hasRoom(): boolean {
    return this.bytes < this.maxBytes * 0.9;
  }

  stats(): SpoolStats {
    return { batches: this.entries.length + this.writes.length, bytes: this.bytes, overflowRecords: this.overflowRecords, setAside: this.setAside };
  }
}

const FORMATS = new Map<number, { encoding: SpoolEncoding; compression: Compression }>();
for (const encoding of ['protobuf', 'json'] as const) {
  for (const compression of COMPRESSIONS) FORMATS.set(magicOf(encoding, compression), { encoding, compression });
}

function formatOf(file: Buffer): { encoding: SpoolEncoding; compression: Compression } | undefined {
  const magic = file.readUInt32LE(0);
  if (magic === LEGACY_MAGIC) return { encoding: file[HEADER] === 0x7b ? 'json' : 'protobuf', compression: 'none' };
  return FORMATS.get(magic);
}
