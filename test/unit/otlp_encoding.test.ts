// The records we build, serialised by the OTLP exporters' own serializers,
// must decode strictly by the OTLP logs schema with every field intact.
import { describe, expect, it } from 'vitest';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OtlpLogsEncoder } from '../../receiver/src/delivery/otlp_protobuf';
import { AuditRecord } from '../../receiver/src/mapping/audit_record';
import type { ExecEvent, TcpEvent } from '../../receiver/src/events';
import { SAMPLE_PROC } from '../../receiver/src/decode/encode';
import { eventToLogRecord } from '../../receiver/src/mapping/event_to_logrecord';
import { ProcessParts } from '../../receiver/src/mapping/process_part';
import { formatter, jsonlLine } from '../../receiver/src/exporters/formats';
import { decodeJson, decodeProtobuf, checkJson, RequestType } from '../helpers/otlp/otlp_decode';
import { BOOT_OFFSET_NS, OBSERVED_NS, plainCopy, readable, testContext } from '../helpers/records';

const exec: ExecEvent = {
  kind: 'exec', ktimeNs: 123_456_789n, proc: SAMPLE_PROC, oldComm: 'bash', exe: '/usr/bin/curl',
  exeTruncated: false, exeFileless: false, exeDeleted: false, exeOverlayUpper: false, argv: ['curl', 'a b'], argsTruncated: false,
};
const close: TcpEvent = {
  kind: 'tcp.close', ktimeNs: 5n, proc: SAMPLE_PROC, ipVersion: 6, localAddress: '::1', localPort: 80,
  remoteAddress: '::1', remotePort: 5555, inbound: true, error: 0, durationNs: 1_500_000n, bytesSent: 10n, bytesReceived: 20n, noOwner: false, startUnknown: false,
};
const records = [exec, close].map((e) => readable(eventToLogRecord(e, testContext())));

/** Record i of a stream: a close whose local port tells it apart, with a body of the given size. */
function streamRecord(i: number, body: string) {
  const r = readable(eventToLogRecord({ ...close, ktimeNs: BigInt(i), localPort: 1 + (i % 60_000) }, testContext()));
  return plainCopy(r, { body });
}

/** The sizes of the encoder's pending and spare bodies. */
function bodySizes(enc: OtlpLogsEncoder): number[] {
  const buffers = enc as unknown as { pending: { buf: Buffer }; spare: { buf: Buffer } };
  return [buffers.pending.buf.length, buffers.spare.buf.length];
}

describe.each([
  ['http/protobuf (SDK serializer)', () => decodeProtobuf(ProtobufLogsSerializer.serializeRequest(records)!)],
  ['http/protobuf (direct encoder)', () => decodeProtobuf(new OtlpLogsEncoder().encode(records))],
  ['http/json', () => decodeJson(JsonLogsSerializer.serializeRequest(records)!)],
])('%s payload', (_name, decode) => {
  const logs = decode();

  it('carries EventName, timestamps, severity and body', () => {
    expect(logs.map((l) => [l.eventName, l.timeUnixNano, l.observedTimeUnixNano, l.severityNumber, l.severityText])).toEqual([
      ['process.exec', BOOT_OFFSET_NS + 123_456_789n, OBSERVED_NS, 9, 'INFO'],
      ['network.tcp.close', BOOT_OFFSET_NS + 5n, OBSERVED_NS, 9, 'INFO'],
    ]);
    expect(logs[0].body).toBe("exec bash[4242] /usr/bin/curl 'a b' (uid=1000 euid=1000 tty=pts/3 ppid=4200)");
  });

  it('keeps attribute types: ints as intValue, lists as arrayValue, ratios as doubleValue', () => {
    expect(logs[0].attributeTypes).toMatchObject({ 'process.pid': 'int', 'user.id': 'string', 'process.command_args': 'array', 'process.interactive': 'bool' });
    expect(logs[0].attributes['process.command_args']).toEqual(['curl', 'a b']);
    expect(logs[1].attributes).toMatchObject({ 'bpfaudit.connection.duration_ms': 1.5, 'server.port': 80, 'client.port': 5555 });
    expect(logs[1].attributeTypes['bpfaudit.connection.duration_ms']).toBe('double');
  });

  it('carries the resource and scope', () => {
    expect(logs[0].resource).toEqual({ 'service.name': 'bpfaudit' });
    expect(logs[0].scope.name).toBe('bpfaudit');
  });
});

describe('the direct protobuf encoder', () => {
  it('decodes to exactly what the SDK serializer produces, negative ints and nested arrays included', () => {
    const odd = readable(eventToLogRecord(exec, testContext()));
    const tricky = plainCopy(odd, { attributes: { ...odd.attributes, neg: -42, big: 2 ** 40, f: -0.5, empty: '', nested: ['a', 'ünï'], t: true } });
    const batch = [...records, tricky];
    const sdk = decodeProtobuf(ProtobufLogsSerializer.serializeRequest(batch)!);
    const direct = decodeProtobuf(new OtlpLogsEncoder().encode(batch));
    expect(direct).toEqual(sdk);
    expect(direct[2].attributes).toMatchObject({ neg: -42, big: 2 ** 40, f: -0.5, nested: ['a', 'ünï'], t: true });
  });
  it('writes records of every length, and repeated values from its copies, as the SDK serializer does', () => {
    const base = readable(eventToLogRecord(exec, testContext()));
    const resourceKey = Object.keys(base.resource.attributes)[0];
    const variant = (attributes: Record<string, unknown>, body: string) => plainCopy(base, { body, attributes: attributes as typeof base.attributes });
    const batch = [
      // under 128 bytes: a one-byte length
      variant({ p: 1 }, 'x'),
      variant({ p: 1, s: 'a' }, 'x'),
      variant({ p: 2, s: 'a', [resourceKey]: base.resource.attributes[resourceKey] }, 'y'),
      variant({ p: 2, s: 'a', [resourceKey]: base.resource.attributes[resourceKey] }, 'y'),
      // over 16,383 bytes: a three-byte length
      variant({ p: 2, s: 'b', argv: ['a', 'b'] }, 'z'.repeat(20_000)),
      variant({ p: 1, s: 'b', argv: ['a', 'b'] }, 'x'),
      // ports change on every record: no copy kept, each written afresh
      ...Array.from({ length: 12 }, (_, i) => variant({ p: 1, port: 40_000 + i, s: i % 2 ? 'b' : 'a' }, 'w')),
    ];
    const enc = new OtlpLogsEncoder();
    const sdk = decodeProtobuf(ProtobufLogsSerializer.serializeRequest(batch)!);
    for (let round = 0; round < 2; round++) expect(decodeProtobuf(enc.encode(batch))).toEqual(sdk);
    expect(sdk[4].body).toHaveLength(20_000);
    // a new resource with the same attribute a record repeated: the record's copy is another field
    const moved = batch.map((r) => plainCopy(r, { resource: resourceFromAttributes({ ...base.resource.attributes }) }));
    expect(decodeProtobuf(enc.encode(moved))).toEqual(decodeProtobuf(ProtobufLogsSerializer.serializeRequest(moved)!));
  });
  it('encodes records as they are queued and takes them in parts, as one encode of the same records', () => {
    const batch = Array.from({ length: 7 }, (_, i) => readable(eventToLogRecord({ ...close, ktimeNs: BigInt(i), localPort: 80 + i }, testContext())));
    const enc = new OtlpLogsEncoder();
    for (const r of batch) enc.append(r);
    expect(enc.pendingCount).toBe(7);
    const first = decodeProtobuf(enc.take(3));
    const rest = decodeProtobuf(enc.take(100));
    expect(enc.pendingCount).toBe(0);
    expect(enc.take(1)).toHaveLength(0);
    expect([...first, ...rest]).toEqual(decodeProtobuf(new OtlpLogsEncoder().encode(batch)));
    expect(rest.map((l) => l.attributes['server.port'])).toEqual([83, 84, 85, 86]);
  });
  it('leaves nothing of a record that failed half-written in the next request', () => {
    const [a, b] = Array.from({ length: 2 }, (_, i) => readable(eventToLogRecord({ ...close, ktimeNs: BigInt(i) }, testContext())));
    const broken = {
      ...plainCopy(a),
      get hrTimeObserved(): [number, number] {
        throw new Error('no time');
      },
    };
    const enc = new OtlpLogsEncoder();
    enc.append(a);
    expect(() => enc.append(broken)).toThrow('no time');
    enc.append(b);
    expect(enc.pendingCount).toBe(2);
    expect(decodeProtobuf(enc.take(2))).toEqual(decodeProtobuf(new OtlpLogsEncoder().encode([a, b])));
  });
  it('keeps one resource per pending body, and is small again some requests after a burst', () => {
    const enc = new OtlpLogsEncoder();
    const small = readable(eventToLogRecord(close, testContext()));
    const big = plainCopy(small, { body: 'b'.repeat(1 << 20) });
    enc.append(big);
    enc.append(big);
    expect(() => enc.append(plainCopy(records[0], { resource: resourceFromAttributes({ 'service.name': 'other' }) }))).toThrow(/another resource/);
    expect(decodeProtobuf(enc.take(2)).map((l) => (l.body as string).length)).toEqual([1 << 20, 1 << 20]);
    for (let i = 0; i < 20; i++) expect(decodeProtobuf(enc.encode(records))).toEqual(decodeProtobuf(ProtobufLogsSerializer.serializeRequest(records)!));
    expect(bodySizes(enc)).toEqual([1 << 20, 1 << 20]);
  });
  it('leaves the bytes of a request alone while records queue, until the next take', () => {
    const batch = Array.from({ length: 6 }, (_, i) => readable(eventToLogRecord({ ...close, ktimeNs: BigInt(i), localPort: 80 + i }, testContext())));
    const enc = new OtlpLogsEncoder();
    for (const r of batch.slice(0, 3)) enc.append(r);
    const whole = enc.take(3);
    const copy = Buffer.from(whole);
    for (const r of batch.slice(3)) enc.append(r);
    expect(whole.equals(copy)).toBe(true);
    const part = enc.take(1);
    const partCopy = Buffer.from(part);
    // enough to outgrow the body the request lies in: it grows around the request, not through it
    const big = plainCopy(batch[0], { body: 'x'.repeat(400_000) });
    for (let i = 0; i < 4; i++) enc.append(big);
    expect(part.equals(partCopy)).toBe(true);
    expect(decodeProtobuf(copy).map((l) => l.attributes['server.port'])).toEqual([80, 81, 82]);
    expect(decodeProtobuf(part).map((l) => l.attributes['server.port'])).toEqual([83]);
    expect(decodeProtobuf(enc.take(9)).map((l) => l.attributes['server.port'])).toEqual([84, 85, 80, 80, 80, 80]);
  });
  it('takes every record once and in order while records keep coming, as a busy queue does', () => {
    const enc = new OtlpLogsEncoder();
    const body = 'x'.repeat(3000);
    const record = (i: number) => streamRecord(i, body);
    const seen: number[] = [];
    let next = 0;
    let deepest = 0;
    // ~3 KB records against 1 MiB bodies: takes of every size, the rest moved to the spare body many times
    for (let round = 0; round < 400; round++) {
      for (let k = (round * 7919) % 97; k > 0; k--) enc.append(record(next++));
      deepest = Math.max(deepest, enc.pendingCount);
      const request = enc.take((round * 104_729) % 97);
      if (request.length) seen.push(...decodeProtobuf(request).map((l) => l.attributes['server.port'] as number));
    }
    seen.push(...decodeProtobuf(enc.take(1 << 20)).map((l) => l.attributes['server.port'] as number));
    expect(next).toBeGreaterThan(15_000);
    expect(seen).toEqual(Array.from({ length: next }, (_, i) => 1 + (i % 60_000)));
    // taken bytes do not pile up ahead of the queue: each body stays within a few times the deepest queue
    const bound = Math.max(1 << 20, 4 * deepest * 3300);
    expect(bodySizes(enc).every((n) => n <= bound)).toBe(true);
  });
  it('holds little more than the queue in its two bodies while a full queue is taken from and topped up', () => {
    const enc = new OtlpLogsEncoder();
    const body = 'x'.repeat(1000);
    const record = (i: number) => streamRecord(i, body);
    // as a catch-up after a stall: 8,192 records queued, taken 2,048 at a time and topped up again
    const queued = 8192;
    let next = 0;
    let recordBytes = 0;
    let held = 0;
    for (let round = 0; round < 40; round++) {
      while (enc.pendingCount < queued) enc.append(record(next++));
      const request = enc.take(2048);
      recordBytes = request.length / 2048;
      const [pending, spare] = bodySizes(enc);
      held = Math.max(held, pending + spare);
    }
    // the queue, the request taken from it and a body's doubling: 3.5 times the queued bytes; with each body twice the queue, 5.0
    expect(held).toBeLessThan(4 * queued * recordBytes);
  });
  it('writes timestamps exactly, as the SDK serializer does, across 16-bit, 32-bit and 2^53 boundaries up to 2^64 - 1', () => {
    const base = records[1];
    const times: [number, number][] = [[0, 0], [0, 999_999_999], [4, 294_967_295], [4, 294_967_296], [65_535, 999_999_999], [65_536, 0], [4_295_032_831, 999_999_999], [1_763_000_000, 123_456_789], [4_102_444_800, 999_999_999], [9_007_199, 254_740_993], [18_446_744_073, 709_551_615]];
    const batch = times.map((t) => plainCopy(base, { hrTime: t, hrTimeObserved: t }));
    const direct = decodeProtobuf(new OtlpLogsEncoder().encode(batch));
    expect(direct).toEqual(decodeProtobuf(ProtobufLogsSerializer.serializeRequest(batch)!));
    expect(direct.map((l) => l.timeUnixNano)).toEqual(times.map(([s, ns]) => BigInt(s) * 1_000_000_000n + BigInt(ns)));
  });
  it("writes our records' times from their nanoseconds as they are, up to 2^64 - 1, as the SDK serializer does from the converted ones", () => {
    const base = records[1];
    const times = [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 53n + 1n, 1_763_000_000_123_456_789n, 2n ** 63n, 2n ** 64n - 1n];
    const batch = times.map((t, i) => readable(new AuditRecord(base.eventName!, t, times[times.length - 1 - i], 9, 'INFO', `r${i}`, undefined, { i })));
    const direct = decodeProtobuf(new OtlpLogsEncoder().encode(batch));
    expect(direct).toEqual(decodeProtobuf(ProtobufLogsSerializer.serializeRequest(batch)!));
    expect(direct.map((l) => [l.timeUnixNano, l.observedTimeUnixNano])).toEqual(times.map((t, i) => [t, times[times.length - 1 - i]]));
  });
  it('is reusable across batches', () => {
    const enc = new OtlpLogsEncoder();
    const a = enc.encode(records);
    const b = enc.encode(records);
    expect(Buffer.compare(a, b)).toBe(0);
  });
});

describe("a record's own attributes copied in runs from the last record of its kind", () => {
  /** Connections and execs of a few processes, their attributes changing in value, in number and in position. */
  function stream(n: number) {
    const ctx = testContext({ processParts: new ProcessParts(), executablePath: () => '/usr/bin/curl' });
    return Array.from({ length: n }, (_, i) => {
      const proc = { ...SAMPLE_PROC, pid: 5000 + (i >> 3) };
      const connect: TcpEvent = {
        ...close, kind: 'tcp.connect', proc, inbound: false, ktimeNs: BigInt(i),
        localPort: i % 5 ? 40_000 : 40_000 + i, remotePort: i % 7 ? 443 : 80, remoteAddress: i % 11 ? '::1' : '::2',
        // keys that come and go: the client/server view (before the others), an error (at the end)
        startUnknown: i % 13 === 3, error: i % 9 === 4 ? 111 : 0,
      };
      const ev = i % 6 === 5 ? { ...exec, proc, ktimeNs: BigInt(i), argv: ['curl', String(i % 2)] } : i % 4 === 1 ? { ...connect, kind: 'tcp.close' as const } : connect;
      return readable(eventToLogRecord(ev, ctx));
    });
  }

  it('writes what the SDK serializer writes, with requests taken at any point in between', () => {
    const batch = stream(400);
    const enc = new OtlpLogsEncoder();
    const got = [];
    for (const [i, r] of batch.entries()) {
      enc.append(r);
      if (i % 37 === 36) got.push(...decodeProtobuf(enc.take(i % 3 === 0 ? 1000 : 20)));
    }
    got.push(...decodeProtobuf(enc.take(1000)));
    expect(got).toEqual(decodeProtobuf(ProtobufLogsSerializer.serializeRequest(batch)!));
  });

  /** A copy of a connect that fails while its own attributes are written (its first one changed before), or after them. */
  function failing(r: AuditRecord, where: string): AuditRecord {
    const own: Record<string, unknown> = { ...r.ownAttributes, 'network.transport': 'tcp6' };
    if (where === 'in its own attributes') {
      Object.defineProperty(own, 'network.peer.port', {
        enumerable: true,
        get() {
          throw new Error('broken');
        },
      });
    }
    const copy = new AuditRecord(r.eventName, r.timeUnixNs, r.observedUnixNs, r.severityNumber, r.severityText, r.body, r.processPart, own as AuditRecord['ownAttributes']);
    if (where === 'after them') {
      Object.defineProperty(copy, 'observedUnixNs', {
        get() {
          throw new Error('broken');
        },
      });
    }
    return copy;
  }

  /** A record of another kind with a body of `n` bytes: a filler that moves the encoder's bodies along. */
  function filler(r: AuditRecord, n: number): AuditRecord {
    return new AuditRecord('process.exit', r.timeUnixNs, r.observedUnixNs, r.severityNumber, r.severityText, 'x'.repeat(n), r.processPart, { 'process.exit.code': 0 });
  }

  /** Appends and takes as `steps` say (a number: take that many), checking every record against the SDK serializer. */
  function run(steps: (AuditRecord | number)[]): void {
    const enc = new OtlpLogsEncoder();
    const appended = [];
    const taken = [];
    for (const step of steps) {
      if (typeof step === 'number') {
        taken.push(...decodeProtobuf(enc.take(step)));
      } else {
        appended.push(readable(step));
        enc.append(appended[appended.length - 1]);
      }
    }
    taken.push(...decodeProtobuf(enc.take(appended.length)));
    expect(taken).toEqual(decodeProtobuf(ProtobufLogsSerializer.serializeRequest(appended)!));
  }

  it("copies nothing from a record a later request's header was written over", () => {
    const k1 = stream(1)[0] as AuditRecord;
    const again = new AuditRecord(k1.eventName, k1.timeUnixNs, k1.observedUnixNs, k1.severityNumber, k1.severityText, k1.body, k1.processPart, k1.ownAttributes);
    // the connect is the last record of the first request; the second request's header goes over its last bytes,
    // which the same connect's again afterwards would copy. What stays pending outweighs what was taken each time,
    // so the records are not moved to the other body.
    run([filler(k1, 5_000), k1, filler(k1, 12_000), filler(k1, 10_000), filler(k1, 10_000), 2, 1, again]);
  });

  it('copies nothing from a record whose body the pending records moved out of', () => {
    const [k1, k2] = stream(12).filter((r) => r.eventName === 'network.tcp.connect') as AuditRecord[];
    // 10 KB records until the 1 MiB body is nearly full: an append moves the pending ones, the connect among them, to the other body
    run([filler(k1, 100), filler(k1, 10_000), 1, k1, ...Array.from({ length: 100 }, () => filler(k1, 10_000)), k2]);
  });

  it('copies nothing from a record whose length took three bytes, which moved it', () => {
    const [k1, k2] = stream(12).filter((r) => r.eventName === 'network.tcp.connect') as AuditRecord[];
    const big = new AuditRecord(k1.eventName, k1.timeUnixNs, k1.observedUnixNs, k1.severityNumber, k1.severityText, 'y'.repeat(20_000), k1.processPart, k1.ownAttributes);
    const batch = [big, k2].map(readable);
    expect(decodeProtobuf(new OtlpLogsEncoder().encode(batch))).toEqual(decodeProtobuf(ProtobufLogsSerializer.serializeRequest(batch)!));
  });

  it.each(['in its own attributes', 'after them'])('copies nothing of a record that failed %s', (where) => {
    const [a, b, c] = stream(12).filter((r) => r.eventName === 'network.tcp.connect');
    const enc = new OtlpLogsEncoder();
    enc.append(a);
    expect(() => enc.append(readable(failing(b as AuditRecord, where)))).toThrow('broken');
    enc.append(c);
    expect(decodeProtobuf(enc.take(10))).toEqual(decodeProtobuf(ProtobufLogsSerializer.serializeRequest([a, c])!));
  });
});

describe('the strict decoder', () => {
  it('rejects protobuf fields outside the schema', () => {
    const good = Buffer.from(ProtobufLogsSerializer.serializeRequest(records)!);
    // field 99, varint 1, appended at the top level
    expect(() => decodeProtobuf(Buffer.concat([good, Buffer.from([0x98, 0x06, 0x01])]))).toThrow(/outside the schema/);
  });

  it('rejects unknown JSON keys and wrong value types', () => {
    expect(() => checkJson(RequestType, { resourceLogs: [{ scopeLogs: [{ logRecords: [{ bogus: 1 }] }] }] })).toThrow(/bogus: unknown field/);
    expect(() => checkJson(RequestType, { resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityNumber: '9' }] }] }] })).toThrow(/expected integer/);
    expect(() => checkJson(RequestType, { resourceLogs: {} })).toThrow(/expected an array/);
  });

  it('the otlp-json line format is a valid request per line', () => {
    const text = formatter('otlp-json')(records);
    expect(text.split('\n')).toHaveLength(2);
    expect(decodeJson(Buffer.from(text.trim()))).toHaveLength(2);
  });

  it('the jsonl line format has the design shape', () => {
    const obj = JSON.parse(jsonlLine(records[1]));
    expect(Object.keys(obj)).toEqual(['timestamp', 'observedTimestamp', 'eventName', 'severityNumber', 'severityText', 'body', 'attributes']);
    expect(obj.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(obj.eventName).toBe('network.tcp.close');
  });
});
