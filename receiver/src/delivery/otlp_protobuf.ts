// A direct OTLP/protobuf encoder for log records: the hot path of export.
// The SDK's generic serializer spends most of its time on work this one does
// once: attribute keys are encoded once and cached, and the resource and
// scope are encoded once per exporter. Output is canonical protobuf (fields
// in ascending number, as protobuf encoders write them) (tests decode it strictly and compare
// with the SDK serializer's output).
import type { AttributeValue as OtelValue, HrTime } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { endianness } from 'node:os';
import { isAscii } from '../ascii';
import type { ProcessPart } from '../mapping/process_part';
import { auditSourceOf } from '../mapping/audit_record';
import { ownCopy } from '../own_copy';

function utf8Length(s: string): number {
  return s.length <= 64 && isAscii(s) ? s.length : Buffer.byteLength(s);
}

/** The ArrayBuffer a buffer is all of (not a slice of Node's shared pool), which may be resized or freed through it. */
function wholeBuffer(b: Buffer): ArrayBuffer | undefined {
  const ab = b.buffer;
  return ab instanceof ArrayBuffer && b.byteOffset === 0 && ab.byteLength === b.length ? ab : undefined;
}

class Writer {
  buf: Buffer;
  pos = 0;
  /** set while a request handed out views these bytes: they must stay where they are */
  lent = false;

  constructor(size = 1 << 16) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reset(): void {
    this.pos = 0;
  }

  /**
   * Grows by moving the bytes to a larger ArrayBuffer and detaching the old
   * one, which frees its memory at once; megabytes of outgrown bodies would
   * otherwise wait for a full garbage collection. Bytes a request still
   * views are copied and left where they are.
   */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const size = Math.max(this.buf.length * 2, this.pos + n);
    const whole = this.lent ? undefined : wholeBuffer(this.buf);
    if (whole) {
      this.buf = Buffer.from(whole.transfer(size));
      return;
    }
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Frees the memory now, for a writer that is dropped and whose bytes nothing views. */
  release(): void {
    if (!this.lent) wholeBuffer(this.buf)?.transfer(0);
  }

  varint(v: number): void {
    this.ensure(10);
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  /** int64 as protobuf varint (negative numbers: ten bytes of two's complement) */
  int64(v: number): void {
    if (v >= 0) return this.varint(v);
    this.ensure(10);
    let x = BigInt.asUintN(64, BigInt(v));
    while (x > 0x7fn) {
      this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.pos++] = Number(x);
  }

  /**
   * seconds * 1e9 + nanos as a fixed64, exactly, without BigInt: in 16-bit
   * limbs every product stays below 2^53, and quotients are floored
   * divisions, not `%` (a call to fmod for doubles, which cost more than
   * the rest of the record's fixed fields together).
   */
  time(t: HrTime): void {
    const s = t[0];
    const sHi = Math.floor(s / 65536);
    const a = (s - sHi * 65536) * 1e9 + t[1]; // < 2^46
    const b = sHi * 1e9; // < 2^48 for any date before the year 10^7; counts 2^16 each
    const bHi = Math.floor(b / 65536);
    const low = (b - bHi * 65536) * 65536 + a; // < 2^47
    const carry = Math.floor(low / TWO32);
    this.ensure(8);
    this.u32(low - carry * TWO32);
    this.u32(bHi + carry);
  }

  /** A fixed64 of a BigInt through a shared 64-bit slot: no intermediate BigInts, as a shift and a mask would allocate. */
  fixed64(v: bigint): void {
    this.ensure(8);
    WIDE[0] = v;
    this.u32(HALVES[LOW]);
    this.u32(HALVES[1 - LOW]);
  }

  /** little-endian by byte stores, as Buffer#writeUInt32LE does after checks this caller needs none of */
  private u32(v: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = v;
    b[p + 1] = v >>> 8;
    b[p + 2] = v >>> 16;
    b[p + 3] = v >>> 24;
    this.pos = p + 4;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Bytes [start, end) of this body, written again at its end. */
  within(start: number, end: number): void {
    this.ensure(end - start);
    this.buf.copyWithin(this.pos, start, end);
    this.pos += end - start;
  }

  /** bytes [start, end) of a buffer, without a view of them */
  copy(from: Buffer, start: number, end: number): void {
    this.ensure(end - start);
    this.pos += from.copy(this.buf, this.pos, start, end);
  }

  /** tag + length + utf8 */
  string(tag: number, s: string): void {
    this.varint(tag);
    this.utf8(s, utf8Length(s));
  }

  /** length + utf8 of a string whose UTF-8 length is known: the byte loop only for short ASCII, where it beats a call */
  utf8(s: string, len: number): void {
    this.varint(len);
    this.ensure(len);
    if (len === s.length && len <= 16) {
      const b = this.buf;
      let p = this.pos;
      for (let i = 0; i < len; i++) b[p++] = s.charCodeAt(i);
      this.pos = p;
    } else if (len === s.length) {
      this.pos += this.buf.write(s, this.pos, len, 'latin1');
    } else {
      this.pos += this.buf.write(s, this.pos, len, 'utf8');
    }
  }

  /** Starts a length-delimited body written in place; endLength fills the length in before it. */
  beginLength(): number {
    this.ensure(2);
    this.pos += 2;
    return this.pos;
  }

  /** Most bodies need a two-byte length, as reserved; others move by the difference (canonical varints), which it returns. */
  endLength(start: number): number {
    const len = this.pos - start;
    const size = varintSize(len);
    if (size !== 2) {
      this.ensure(Math.max(0, size - 2));
      this.buf.copyWithin(start - 2 + size, start, this.pos);
      this.pos += size - 2;
    }
    let p = start - 2;
    let v = len;
    while (v > 0x7f) {
      this.buf[p++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[p] = v;
    return size - 2;
  }

  take(): Buffer {
    return ownCopy(this.buf.subarray(0, this.pos));
  }
}

const TAG = (field: number, wire: number) => (field << 3) | wire;
const LEN = 2;
const VARINT = 0;
const I64 = 1;

const TWO32 = 0x1_0000_0000;
const WIDE = new BigUint64Array(1);
/** WIDE's two 32-bit halves, in the host's byte order */
const HALVES = new Uint32Array(WIDE.buffer);
const LOW = endianness() === 'LE' ? 0 : 1;

function varintSize(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Bytes of an AnyValue message body; strings' byte lengths are computed here once. */
function valueSize(v: OtelValue | undefined): number {
  if (typeof v === 'string') return stringValueSize(utf8Length(v));
  if (typeof v === 'boolean') return 2;
  if (typeof v === 'number') return Number.isInteger(v) ? 1 + (v >= 0 ? varintSize(v) : 10) : 9;
  if (Array.isArray(v)) {
    const body = arrayBodySize(v as OtelValue[]);
    return 1 + varintSize(body) + body;
  }
  return 0;
}

function arrayBodySize(items: OtelValue[]): number {
  let n = 0;
  for (const x of items) {
    const s = valueSize(x);
    n += 1 + varintSize(s) + s;
  }
  return n;
}

/** AnyValue's body for a string of this many UTF-8 bytes */
function stringValueSize(n: number): number {
  return 1 + varintSize(n) + n;
}

/** A length-delimited AnyValue: its size, then the value; a string's UTF-8 length is computed once. */
function writeSizedValue(w: Writer, v: OtelValue): void {
  const n = typeof v === 'string' ? utf8Length(v) : 0;
  w.varint(typeof v === 'string' ? stringValueSize(n) : valueSize(v));
  writeValue(w, v, n);
}

/** An AnyValue; for a string, `n` is its UTF-8 length, computed once by the caller. */
function writeValue(w: Writer, v: OtelValue | undefined, n: number): void {
  if (typeof v === 'string') {
    w.varint(TAG(1, LEN));
    w.utf8(v, n);
  } else if (typeof v === 'boolean') {
    w.varint(TAG(2, VARINT));
    w.varint(v ? 1 : 0);
  } else if (typeof v === 'number') {
    if (Number.isInteger(v)) {
      w.varint(TAG(3, VARINT));
      w.int64(v);
    } else {
      w.varint(TAG(4, I64));
      w.double(v);
    }
  } else if (Array.isArray(v)) {
    w.varint(TAG(5, LEN));
    w.varint(arrayBodySize(v as OtelValue[]));
    for (const x of v as OtelValue[]) {
      w.varint(TAG(1, LEN));
      writeSizedValue(w, x);
    }
  }
}

/** Field 1 (length-delimited) holding what `body` writes: for the parts encoded once. */
function field1(body: (w: Writer) => void): Buffer {
  const inner = new Writer(4096);
  body(inner);
  const w = new Writer(inner.pos + 8);
  w.varint(TAG(1, LEN));
  w.varint(inner.pos);
  w.bytes(inner.buf.subarray(0, inner.pos));
  return w.take();
}

/**
 * One attribute key: its encoded key field, and the last value it had with
 * that whole KeyValue encoded. Records of one process repeat most of their
 * attributes (pid, parent, users, executable, container, the remote end), so
 * a repeated value is copied as bytes, not sized and encoded again. Keys
 * whose values rarely repeat (ports, durations) keep no copy.
 */
interface KeyEntry {
  key: Buffer;
  /** the field the copy was written as: resource and record attributes differ */
  tag: number;
  last: unknown;
  encoded: Buffer | undefined;
  repeats: number;
  changes: number;
}

const PENDING_BYTES = 1 << 20;
/** event names and severity texts kept encoded: ours are a few dozen, an SDK caller's could be anything */
const NAMED_MAX = 256;

function sameBytes(a: Buffer, b: Buffer | undefined): boolean {
  return a === b || (b !== undefined && a.equals(b));
}

const PART_ARENA_BYTES = 1 << 16;

/**
 * Left in a body before a record is appended, or the records still queued
 * move to the spare body first. A body that grew only when taken bytes
 * reached the queued ones held twice the queue: in a catch-up with a full
 * queue (8,192 records) the two bodies held 48 MiB.
 */
const APPEND_SLACK = 1 << 16;

/**
 * Bytes that live about as long as each other, in shared chunks of our own:
 * a process part's bytes live for its batch, and a buffer of their own each
 * (ownCopy) cost more to allocate than to encode them. A chunk is freed with
 * the last part in it.
 */
class Arena {
  private chunk: Buffer;
  private used = 0;

  constructor(private readonly chunkBytes: number) {
    this.chunk = Buffer.allocUnsafeSlow(chunkBytes);
  }

  keep(bytes: Uint8Array): Buffer {
    if (this.used + bytes.length > this.chunk.length) {
      this.chunk = Buffer.allocUnsafeSlow(Math.max(this.chunkBytes, bytes.length));
      this.used = 0;
    }
    const kept = this.chunk.subarray(this.used, this.used + bytes.length);
    kept.set(bytes);
    this.used += bytes.length;
    return kept;
  }
}

/**
 * Where the own attributes of the last record of one event name are in the
 * pending body. Records of a kind list their keys in one order and repeat
 * most values (the transport, the peer, the service port), so a run of
 * attributes whose values are the last record's is copied from there in
 * one piece, within the body, where the key cache copies each attribute on
 * its own (~40 ns each). Valid while those bytes stay where they are: until
 * a take, a move or a failed record (the encoder's epoch).
 */
class OwnTemplate {
  keys: string[] = [];
  values: unknown[] = [];
  /** where each attribute's KeyValue ends, from `at` (each starts where the one before ends) */
  ends: number[] = [];
  at = 0;
  epoch = -1;
}

/** Room for a request's header: two tags and three lengths of at most five bytes each, with the resource and scope */
function headRoom(resource: Buffer, scope: Buffer): number {
  return resource.length + scope.length + 17;
}

/** ExportLogsServiceRequest.resource_logs up to its records: ResourceLogs and ScopeLogs, each with its length */
function writeHead(w: Writer, resource: Buffer, scope: Buffer, resourceLogs: number, scopeLogs: number): void {
  w.varint(TAG(1, LEN));
  w.varint(resourceLogs);
  w.bytes(resource);
  w.varint(TAG(2, LEN));
  w.varint(scopeLogs);
  w.bytes(scope);
}

export class OtlpLogsEncoder {
  /**
   * Records are encoded after room for a request's header, and a take writes
   * the header in place before the records it takes: a request's bytes are
   * never copied. They are the encoder's until the next take, so later
   * records go after them; once what was taken outweighs what is left, the
   * rest moves to the spare body and the two swap.
   */
  private pending = new Writer(PENDING_BYTES);
  private spare = new Writer(PENDING_BYTES);
  /** where the oldest pending record starts */
  private first = 0;
  /** where each record ends in the pending body; those before `taken` are gone */
  private ends: number[] = [];
  private taken = 0;
  /** how many bytes were queued lately, decaying: what a spare body is kept for */
  private reach = 0;
  private pendingResource: Buffer | undefined;
  private pendingScope: Buffer | undefined;
  private readonly keyCache = new Map<string, KeyEntry>();
  private readonly templates = new Map<string, OwnTemplate>();
  /** moves on whenever pending bytes may move or be written over: a template of another epoch is not used */
  private epoch = 0;
  private readonly eventNames = new Map<string, Buffer>();
  private readonly severityTexts = new Map<string, Buffer>();
  private readonly partWriter = new Writer(4096);
  private readonly partBytes = new Arena(PART_ARENA_BYTES);
  private prefix: Buffer | undefined;
  private prefixOf: unknown;
  private scopeBytes: Buffer | undefined;
  private scopeOf: unknown;

  /**
   * A string field from a small set (event names, severity texts), encoded
   * once: a copy of ~20 bytes costs less than measuring and writing the
   * string through Buffer#write, which a name over 16 bytes takes.
   */
  private named(cache: Map<string, Buffer>, tag: number, s: string): Buffer {
    let b = cache.get(s);
    if (!b) {
      const w = new Writer(64);
      w.string(tag, s);
      b = w.take();
      if (cache.size < NAMED_MAX) cache.set(s, b);
    }
    return b;
  }

  /** KeyValue's key field, encoded once per key. */
  private key(k: string): KeyEntry {
    let e = this.keyCache.get(k);
    if (!e) {
      const w = new Writer(64);
      w.string(TAG(1, LEN), k);
      e = { key: w.take(), tag: 0, last: undefined, encoded: undefined, repeats: 0, changes: 0 };
      if (this.keyCache.size < 4096) this.keyCache.set(k, e);
    }
    return e;
  }

  /** One KeyValue field, sizes computed first so nothing is copied twice. */
  private keyValue(w: Writer, tag: number, e: KeyEntry, v: OtelValue): void {
    const n = typeof v === 'string' ? utf8Length(v) : 0;
    const vs = typeof v === 'string' ? stringValueSize(n) : valueSize(v);
    w.varint(tag);
    w.varint(e.key.length + 1 + varintSize(vs) + vs);
    w.bytes(e.key);
    w.varint(TAG(2, LEN));
    w.varint(vs);
    writeValue(w, v, n);
  }

  /**
   * A record's own attributes as LogRecord fields: each run of attributes
   * whose keys and values are the last record's of its event name is copied
   * from that record's bytes, the rest encoded; what was written becomes the
   * template of the next.
   */
  private ownAttributes(w: Writer, eventName: string, attrs: Record<string, unknown>): void {
    let t = this.templates.get(eventName);
    if (!t) {
      t = new OwnTemplate();
      if (this.templates.size < NAMED_MAX) this.templates.set(eventName, t);
    }
    const start = w.pos;
    const known = t.epoch === this.epoch ? t.keys.length : 0;
    /** the template's end of the attribute before this one, read before it is overwritten */
    let oldPrevEnd = 0;
    /** the run being copied: where it starts in the template and in this record, or -1 */
    let runOld = -1;
    let runNew = 0;
    let i = 0;
    for (const k in attrs) {
      const v = attrs[k] as OtelValue | undefined;
      if (v === undefined || v === null) continue;
      const oldEnd = i < known ? t.ends[i] : 0;
      if (i < known && t.keys[i] === k && t.values[i] === v) {
        if (runOld < 0) {
          runOld = oldPrevEnd;
          runNew = w.pos - start;
        }
        t.ends[i] = runNew + oldEnd - runOld;
      } else {
        if (runOld >= 0) {
          w.within(t.at + runOld, t.at + oldPrevEnd);
          runOld = -1;
        }
        this.keyValue(w, TAG(6, LEN), this.key(k), v);
        t.keys[i] = k;
        // lists compare by identity and never repeat
        t.values[i] = typeof v === 'object' ? undefined : v;
        t.ends[i] = w.pos - start;
      }
      oldPrevEnd = oldEnd;
      i++;
    }
    if (runOld >= 0) w.within(t.at + runOld, t.at + oldPrevEnd);
    // setting a length is a runtime call even when it does not change
    if (t.keys.length !== i) {
      t.keys.length = i;
      t.values.length = i;
      t.ends.length = i;
    }
    t.at = start;
    t.epoch = this.epoch;
  }

  /** Repeated KeyValue fields. */
  private attributes(w: Writer, tag: number, attrs: Record<string, unknown>): void {
    for (const k in attrs) {
      const v = attrs[k] as OtelValue | undefined;
      if (v === undefined || v === null) continue;
      const e = this.key(k);
      const repeat = e.last === v;
      if (repeat && e.encoded && e.tag === tag) {
        w.bytes(e.encoded);
        e.repeats++;
        continue;
      }
      const start = w.pos;
      this.keyValue(w, tag, e, v);
      if (repeat) e.repeats++;
      else e.changes++;
      // arrays compare by identity and never repeat; a key that changes more than once in four records keeps no copy
      e.last = typeof v === 'object' ? undefined : v;
      e.tag = tag;
      e.encoded = e.last !== undefined && e.repeats * 4 >= e.changes ? ownCopy(w.buf.subarray(start, w.pos)) : undefined;
    }
  }

  /**
   * A process part's KeyValue fields of a LogRecord, encoded once per part:
   * its records copy the bytes. The shared side is encoded once for all the
   * parts that share it.
   */
  private processPart(part: ProcessPart): Uint8Array {
    if (!part.encoded) {
      const shared = (part.shared.encoded ??= this.partFields(part.shared.attributes));
      part.encoded = this.partFields(part.own, shared);
    }
    return part.encoded;
  }

  /** Attributes as LogRecord fields, then any fields already encoded, kept in the part arena. */
  private partFields(attrs: Readonly<Record<string, unknown>>, then?: Uint8Array): Uint8Array {
    const w = this.partWriter;
    w.reset();
    this.attributes(w, TAG(6, LEN), attrs);
    if (then) w.bytes(then);
    return this.partBytes.keep(w.buf.subarray(0, w.pos));
  }

  /** ResourceLogs.resource: the same for every record of a provider, encoded once. */
  private resource(r: ReadableLogRecord): Buffer {
    if (this.prefix && this.prefixOf === r.resource) return this.prefix;
    this.prefix = field1((w) => this.attributes(w, TAG(1, LEN), r.resource.attributes as Record<string, unknown>));
    this.prefixOf = r.resource;
    return this.prefix;
  }

  /** ScopeLogs.scope, encoded once per scope. */
  private scope(r: ReadableLogRecord): Buffer {
    if (this.scopeBytes && this.scopeOf === r.instrumentationScope) return this.scopeBytes;
    const { name, version } = r.instrumentationScope;
    this.scopeBytes = field1((w) => {
      w.string(TAG(1, LEN), name);
      if (version) w.string(TAG(2, LEN), version);
    });
    this.scopeOf = r.instrumentationScope;
    return this.scopeBytes;
  }

  private logRecord(w: Writer, r: ReadableLogRecord): void {
    const source = auditSourceOf(r);
    w.varint(TAG(1, I64));
    if (source) w.fixed64(source.timeUnixNs);
    else w.time(r.hrTime);
    if (r.severityNumber) {
      w.varint(TAG(2, VARINT));
      w.varint(r.severityNumber);
    }
    if (r.severityText) w.bytes(this.named(this.severityTexts, TAG(3, LEN), r.severityText));
    if (source?.bodyChunk) {
      const n = source.bodyEnd - source.bodyStart;
      w.varint(TAG(5, LEN));
      w.varint(stringValueSize(n));
      w.varint(TAG(1, LEN));
      w.varint(n);
      w.copy(source.bodyChunk, source.bodyStart, source.bodyEnd);
    } else if (r.body !== undefined) {
      w.varint(TAG(5, LEN));
      writeSizedValue(w, r.body as OtelValue);
    }
    if (source?.processPart) {
      w.bytes(this.processPart(source.processPart));
      this.ownAttributes(w, source.eventName, source.ownAttributes as Record<string, unknown>);
    } else {
      this.attributes(w, TAG(6, LEN), r.attributes as Record<string, unknown>);
    }
    if (r.droppedAttributesCount) {
      w.varint(TAG(7, VARINT));
      w.varint(r.droppedAttributesCount);
    }
    w.varint(TAG(11, I64));
    if (source) w.fixed64(source.observedUnixNs);
    else w.time(r.hrTimeObserved);
    if (r.eventName) w.bytes(this.named(this.eventNames, TAG(12, LEN), r.eventName));
  }

  /**
   * Encodes a record at the end of the pending body, for a later take(). The
   * pending records share one resource and scope, as the records of one
   * exporter do.
   */
  append(r: ReadableLogRecord): void {
    const resource = this.resource(r);
    const scope = this.scope(r);
    if (this.pendingCount && !(sameBytes(resource, this.pendingResource) && sameBytes(scope, this.pendingScope))) {
      throw new Error('a record of another resource or scope while records are pending');
    }
    this.pendingResource = resource;
    this.pendingScope = scope;
    const room = headRoom(resource, scope);
    if (!this.pendingCount) this.open(this.pending, room);
    // taken bytes ahead of the queue make room before the body grows, when the spare body is free to take the rest
    else if (this.first > room && !this.spare.lent && this.pending.buf.length - this.pending.pos < APPEND_SLACK) this.moveRest(this.first);
    const body = this.pending;
    const mark = body.pos;
    try {
      body.varint(TAG(2, LEN));
      const start = body.beginLength();
      this.logRecord(body, r);
      // a record whose length took other than two bytes moved, its attributes with it
      if (body.endLength(start)) this.epoch++;
    } catch (e) {
      // a record that failed half-written leaves nothing behind for the next request, nor a template
      body.pos = mark;
      this.epoch++;
      throw e;
    }
    this.ends.push(body.pos);
  }

  /** records appended and not yet taken */
  get pendingCount(): number {
    return this.ends.length - this.taken;
  }

  /**
   * One ExportLogsServiceRequest of the oldest `count` pending records, which
   * leave the pending body. The bytes are the encoder's own: valid until the
   * next take, which is as long as a delivery queue retries its batch.
   */
  take(count: number): Buffer {
    const n = Math.min(count, this.pendingCount);
    if (n === 0) return Buffer.alloc(0);
    // the last request's bytes are free from here on
    this.pending.lent = false;
    this.spare.lent = false;
    const body = this.pending;
    const start = this.first;
    const end = this.ends[this.taken + n - 1];
    const resource = this.pendingResource!;
    const scope = this.pendingScope!;
    const scopeLogs = scope.length + end - start;
    const resourceLogs = resource.length + 1 + varintSize(scopeLogs) + scopeLogs;
    const head = 1 + varintSize(resourceLogs) + resource.length + 1 + varintSize(scopeLogs) + scope.length;
    // before `start` lies the head room or records taken before: free from this take on
    const after = body.pos;
    // the header goes over taken records' bytes
    this.epoch++;
    body.pos = start - head;
    writeHead(body, resource, scope, resourceLogs, scopeLogs);
    body.pos = after;
    this.taken += n;
    this.first = end;
    // a burst's memory goes back some takes after it, a steady load keeps its size
    this.reach = Math.max(after - start, this.reach - this.reach / 16);
    // what was taken is free from the next take on: the rest moves once it is no more than that, so a body holds at most twice what is queued
    if (end - headRoom(resource, scope) >= after - end) this.moveRest(end);
    body.lent = true;
    return body.buf.subarray(start - head, end);
  }

  /** Moves the records after `end` to the spare body, which becomes the pending one; the taken request stays where it is. */
  private moveRest(end: number): void {
    this.epoch++;
    const body = this.pending;
    let next = this.spare;
    if (next.buf.length > 2 * Math.max(PENDING_BYTES, this.reach)) {
      next.release();
      next = new Writer(PENDING_BYTES);
    }
    this.spare = body;
    this.pending = next;
    if (body.pos === end) return;
    const room = headRoom(this.pendingResource!, this.pendingScope!);
    const ends = this.ends.slice(this.taken);
    this.open(next, room);
    next.bytes(body.buf.subarray(end, body.pos));
    this.ends = ends.map((e) => e - end + room);
  }

  /** Makes `body` the pending one, holding nothing yet but the head room. */
  private open(body: Writer, room: number): void {
    body.reset();
    body.ensure(room);
    body.pos = room;
    this.pending = body;
    this.first = room;
    this.ends = [];
    this.taken = 0;
  }

  /** One ExportLogsServiceRequest; records of one resource and scope (as one exporter sees them). */
  encode(records: ReadableLogRecord[]): Buffer {
    if (this.pendingCount) throw new Error('records are pending: take them first');
    for (const r of records) this.append(r);
    return Buffer.from(this.take(records.length));
  }
}
