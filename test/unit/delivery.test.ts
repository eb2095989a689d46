import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_RETRY } from '../../receiver/src/config/defaults';
import { DeliveryProcessor } from '../../receiver/src/delivery/delivery_processor';
import { OtlpClient, retryAfterMs } from '../../receiver/src/delivery/otlp_client';
import type { QueueingExporter } from '../../receiver/src/delivery/record_queue';
import { RetryableExportError } from '../../receiver/src/delivery/retryable';
import { startTicks } from '../../receiver/src/host_files';
import { Spool } from '../../receiver/src/delivery/spool';
import { SpoolingOtlpExporter } from '../../receiver/src/delivery/spooling_otlp_exporter';
import { SAMPLE_PROC } from '../../receiver/src/decode/encode';
import { eventToLogRecord } from '../../receiver/src/mapping/event_to_logrecord';
import { readable, testContext } from '../helpers/records';
import { backoffMs } from '../../receiver/src/delivery/spool_sender';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'bpfaudit-unit-'));
  dirs.push(d);
  return d;
};

describe('Spool', () => {
  it('keeps batches in order across a restart', async () => {
    const d = tmp();
    const a = new Spool(d, 1 << 20, false);
    await a.append(Buffer.from('one'), 1, 'protobuf');
    await a.append(Buffer.from('two'), 2, 'protobuf');
    const b = new Spool(d, 1 << 20, false);
    expect(b.oldest()).toMatchObject({ records: 1, payload: Buffer.from('one') });
    await b.remove(b.oldest()!.seq);
    await b.append(Buffer.from('three'), 3, 'protobuf');
    expect(b.oldest()!.payload.toString()).toBe('two');
    expect(b.stats()).toMatchObject({ batches: 2 });
  });

  it('writes batches side by side but queues them in order: a large batch appended first is queued first', async () => {
    const s = new Spool(tmp(), 1 << 26, false);
    await Promise.all([s.append(Buffer.alloc(16 << 20, 1), 1, 'protobuf'), s.append(Buffer.from('two'), 2, 'protobuf'), s.append(Buffer.from('three'), 3, 'protobuf')]);
    const records: number[] = [];
    for (let e = s.oldest(); e; e = s.oldest()) {
      records.push(e.records);
      await s.remove(e.seq);
    }
    expect(records).toEqual([1, 2, 3]);
  });

  it('counts batches being written in its size and room, and leaves out a write that failed', async () => {
    const d = tmp();
    const s = new Spool(d, 1000, false);
    const first = s.append(Buffer.alloc(900), 7, 'protobuf');
    // not on disk yet, and already counted: a full spool holds the delivery queue back at once
    expect(s.stats()).toMatchObject({ batches: 1, bytes: 912 });
    expect(s.hasRoom()).toBe(false);
    await first;
    rmSync(d, { recursive: true });
    await expect(s.append(Buffer.alloc(10), 1, 'protobuf')).rejects.toThrow(/ENOENT/);
    expect(s.stats()).toMatchObject({ batches: 1, bytes: 912 });
  });

  it('discards the oldest batches when full, and counts their records', async () => {
    const s = new Spool(tmp(), 100, false);
    await s.append(Buffer.alloc(40), 5, 'protobuf');
    await s.append(Buffer.alloc(40), 6, 'protobuf');
    await s.append(Buffer.alloc(40), 7, 'protobuf');
    expect(s.stats()).toMatchObject({ batches: 1, overflowRecords: 11 });
    expect(s.oldest()!.records).toBe(7);
  });

  it('sets a torn file aside instead of sending it, and drops leftover temporaries', () => {
    const d = tmp();
    writeFileSync(join(d, '0000000000000001.otlp'), Buffer.from('garbage'));
    writeFileSync(join(d, '0000000000000002.otlp.tmp'), Buffer.from('half'));
    const s = new Spool(d, 1 << 20, false);
    expect(s.oldest()).toBeUndefined();
    expect(readdirSync(d).sort()).toEqual(['0000000000000001.otlp.corrupt', 'lock']);
  });

  it("records each batch's encoding, and reads spools written before it was recorded", async () => {
    const d = tmp();
    const s = new Spool(d, 1 << 20, false);
    await s.append(Buffer.from('{"resourceLogs":[]}'), 1, 'json');
    await s.append(Buffer.from([0x0a, 0x00]), 2, 'protobuf');
    s.close();
    // the earlier header: magic "BPAS", then records and payload length
    const legacy = (payload: Buffer) => Buffer.concat([Buffer.from('BPAS'), Buffer.from([1, 0, 0, 0]), Buffer.from([payload.length, 0, 0, 0]), payload]);
    writeFileSync(join(d, '0000000000000003.otlp'), legacy(Buffer.from('{}')));
    writeFileSync(join(d, '0000000000000004.otlp'), legacy(Buffer.from([0x0a, 0x00])));
    const again = new Spool(d, 1 << 20, false);
    const encodings: string[] = [];
    for (let e = again.oldest(); e; e = again.oldest()) {
      encodings.push(e.encoding);
      await again.remove(e.seq);
    }
    expect(encodings).toEqual(['json', 'protobuf', 'json', 'protobuf']);
  });

  it('records how a batch is compressed, across a restart', async () => {
    const d = tmp();
    const s = new Spool(d, 1 << 20, false);
    const json = Buffer.from('{"resourceLogs":[]}');
    const proto = Buffer.from([0x0a, 0x00]);
    await s.append(gzipSync(json), 1, 'json', 'gzip');
    await s.append(proto, 2, 'protobuf');
    await s.append(gzipSync(proto), 3, 'protobuf', 'gzip');
    await s.append(zstdCompressSync(proto), 4, 'protobuf', 'zstd');
    await s.append(zstdCompressSync(json), 5, 'json', 'zstd');
    s.close();
    expect(readdirSync(d).filter((f) => f.endsWith('.otlp')).sort().map((f) => readFileSync(join(d, f)).subarray(0, 4).toString('latin1'))).toEqual(['BPZJ', 'BPAP', 'BPZP', 'BPSP', 'BPSJ']);
    const again = new Spool(d, 1 << 20, false);
    const seen: [string, string, string][] = [];
    const plain = { gzip: gunzipSync, zstd: zstdDecompressSync, none: (b: Buffer) => b };
    for (let e = again.oldest(); e; e = again.oldest()) {
      seen.push([e.encoding, e.compression, plain[e.compression](e.payload).toString('hex')]);
      await again.remove(e.seq);
    }
    expect(seen).toEqual([
      ['json', 'gzip', json.toString('hex')], ['protobuf', 'none', '0a00'], ['protobuf', 'gzip', '0a00'], ['protobuf', 'zstd', '0a00'], ['json', 'zstd', json.toString('hex')],
    ]);
  });

  it('sets a refused batch aside in rejected/ with the answer, and moves on to the next', async () => {
    const d = tmp();
    const s = new Spool(d, 1 << 20, false);
    await s.append(Buffer.from('bad'), 4, 'protobuf');
    await s.append(Buffer.from('good'), 5, 'protobuf');
    expect(s.reject(s.oldest()!.seq, 'HTTP 400 Bad Request\n\nproto: cannot parse')).toBe(true);
    expect(s.oldest()).toMatchObject({ records: 5, payload: Buffer.from('good') });
    expect(readdirSync(join(d, 'rejected')).sort()).toEqual(['0000000000000001.otlp', '0000000000000001.otlp.answer.txt']);
    expect(readFileSync(join(d, 'rejected', '0000000000000001.otlp.answer.txt'), 'utf8')).toContain('proto: cannot parse');
    expect(s.stats()).toMatchObject({ batches: 1, setAside: 1 });
  });

  it("is locked to one receiver: another live process is named, a dead holder's lock is taken over", () => {
    const d = tmp();
    const child = spawnSync('node', ['-e', `require('fs').writeFileSync(process.argv[1] + '/lock', process.pid + ' 1\\n')`, d]);
    expect(child.status).toBe(0);
    // the writer has exited: its lock is stale
    new Spool(d, 1 << 20, false).close();
    const sleeper = spawn('sleep', ['30']);
    try {
      writeFileSync(join(d, 'lock'), `${sleeper.pid} ${startTicks(sleeper.pid!)}\n`);
      expect(() => new Spool(d, 1 << 20, false)).toThrow(`spool ${d} is in use by another bpfaudit (pid ${sleeper.pid})`);
    } finally {
      sleeper.kill();
    }
    // the same process may hold it twice (a reload), and gives it up with the last release
    unlinkSync(join(d, 'lock'));
    const a = new Spool(d, 1 << 20, false);
    const b = new Spool(d, 1 << 20, false);
    a.close();
    expect(readdirSync(d)).toContain('lock');
    b.close();
    expect(readdirSync(d)).not.toContain('lock');
  });
});

describe('SpoolingOtlpExporter', () => {
  const exec = (n: number) => readable(eventToLogRecord({
    kind: 'exec', ktimeNs: BigInt(n + 1), proc: SAMPLE_PROC, oldComm: 'bash', exe: '/usr/bin/true', exeTruncated: false,
    exeFileless: false, exeDeleted: false, exeOverlayUpper: false, argv: ['true', `r${n}`], argsTruncated: false,
  }, testContext()));
  // no collector answers: what is spooled stays
  const spoolTo = (dir: string, onError: (m: string) => void = () => {}) => new SpoolingOtlpExporter({
    url: 'http://127.0.0.1:1/v1/logs', headers: {}, compression: 'gzip', timeoutMs: 1_000, protocol: 'http/protobuf',
    spoolDir: dir, spoolMaxBytes: 1 << 20, retry: { initialMs: 60_000, maxMs: 60_000 }, encoder: 'direct', onError,
  });

  it('takes the next batch while fewer than four are being written; a write that fails is held and retried until shutdown gives it up', async () => {
    const dir = tmp();
    const errors: string[] = [];
    const exporter = spoolTo(dir, (m) => errors.push(m));
    const results: ExportResultCode[] = [];
    for (let i = 0; i < 5; i++) exporter.export([exec(i)], (r) => results.push(r.code));
    // three go on at once; the fourth waits until one of the writes before it is on disk
    expect(results).toEqual([ExportResultCode.SUCCESS, ExportResultCode.SUCCESS, ExportResultCode.SUCCESS]);
    await exporter.forceFlush();
    expect(results).toEqual(Array(5).fill(ExportResultCode.SUCCESS));
    expect(exporter.stats()).toMatchObject({ failed: 0, spool: { batches: 5 } });

    // the next batch's temporary name is taken by a directory: its first write fails after export() returned, the retry lands
    const blocked = (seq: number) => mkdirSync(join(dir, `${String(seq).padStart(16, '0')}.otlp.tmp`));
    blocked(6);
    exporter.export([exec(5), exec(6)], (r) => results.push(r.code));
    await exporter.forceFlush();
    expect(exporter.stats()).toMatchObject({ failed: 0, spool: { batches: 6 } });
    expect(errors.filter((m) => m.startsWith('spool '))).toEqual([
      expect.stringMatching(/: EISDIR.*; holding 2 records .* and retrying$/),
      expect.stringMatching(/: writing again; the held records are on disk$/),
    ]);

    // past shutdown's deadline a failing write is counted as failed, not retried
    exporter.abandon();
    blocked(8);
    exporter.export([exec(7)], (r) => results.push(r.code));
    await exporter.forceFlush();
    expect(exporter.stats()).toMatchObject({ failed: 1, spool: { batches: 6 } });
    expect(errors.at(-1)).toMatch(/^could not spool 1 records: EISDIR.*; counted as failed$/);
    await exporter.shutdown();
  });

  it("gives a write that keeps failing up when the delivery queue's shutdown deadline passes", async () => {
    const dir = tmp();
    const exporter = spoolTo(dir);
    // every name the write tries in the next seconds is taken
    for (let seq = 1; seq <= 100; seq++) mkdirSync(join(dir, `${String(seq).padStart(16, '0')}.otlp.tmp`));
    const p = new DeliveryProcessor(exporter, { maxBatch: 1, flushIntervalMs: 1000, idleFlushMs: 1000, highWater: 10, retry: LOCAL_RETRY });
    p.push(exec(0));
    const started = Date.now();
    await p.flushBy(started + 400);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(exporter.stats()).toMatchObject({ failed: 1, spool: { batches: 0 } });
    await p.shutdown();
  });
});

describe('OtlpClient compression', () => {
  it('sends a spooled batch as it is when its compression is the configured one, else converted; says which in Content-Encoding', async () => {
    const bodies: { encoding?: string; body: Buffer }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push({ encoding: req.headers['content-encoding'], body: Buffer.concat(chunks) });
        res.writeHead(200);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`;
    const payload = Buffer.from('0a020a00'.repeat(64), 'hex');
    const stored = { gzip: gzipSync(payload), zstd: zstdCompressSync(payload), none: payload };
    const plain = { gzip: gunzipSync, zstd: zstdDecompressSync, none: (b: Buffer) => b };
    const kinds = ['gzip', 'zstd', 'none'] as const;
    const sent: [(typeof kinds)[number], (typeof kinds)[number]][] = [];
    for (const configured of kinds) {
      const client = new OtlpClient({ url, headers: {}, compression: configured, timeoutMs: 2000 });
      for (const spooled of kinds) {
        expect(await client.send(stored[spooled], 'protobuf', spooled)).toMatchObject({ kind: 'ok' });
        sent.push([configured, spooled]);
      }
      client.close();
    }
    server.close();
    for (const [i, [configured, spooled]] of sent.entries()) {
      const { encoding, body } = bodies[i];
      expect(encoding ?? 'none', `${spooled} sent as ${configured}`).toBe(configured);
      expect(plain[configured](body)).toEqual(payload);
      // no work when they match: the spooled bytes go out as they are
      if (configured === spooled) expect(body).toEqual(stored[spooled]);
    }
  });
});

describe('OtlpClient default compression', () => {
  /** An endpoint that decodes only the encodings given, refusing others as `refusal` does; it counts what it was sent. */
  async function endpoint(decodes: string[], refusal = { status: 400, body: 'unsupported Content-Encoding' }, answer = () => 200) {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const encoding = req.headers['content-encoding'] ?? 'none';
        seen.push(encoding);
        if (!decodes.includes(encoding)) {
          res.writeHead(refusal.status, { 'content-type': 'text/plain' });
          res.end(`${refusal.body}: ${encoding}`);
          return;
        }
        const plain = { gzip: gunzipSync, zstd: zstdDecompressSync, none: (b: Buffer) => b }[encoding as 'gzip' | 'zstd' | 'none'](Buffer.concat(chunks));
        expect(plain.toString()).toBe('records');
        res.writeHead(answer());
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { seen, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs` };
  }
  const records = Buffer.from('records');

  for (const status of [400, 415]) {
    it(`sends the batch the endpoint refused in zstd (${status}) again as gzip, and gzip from then on, saying so once`, async () => {
      const { seen, server, url } = await endpoint(['gzip', 'none'], { status, body: 'unsupported Content-Encoding' });
      const said: string[] = [];
      const client = new OtlpClient({ url, headers: {}, compression: 'zstd', fallback: 'gzip', timeoutMs: 2000 }, (m) => said.push(m));
      expect(client.compression).toBe('zstd');
      expect(await client.send(zstdCompressSync(records), 'protobuf', 'zstd')).toMatchObject({ kind: 'ok' });
      expect(client.compression).toBe('gzip');
      expect(await client.send(zstdCompressSync(records), 'protobuf', 'zstd')).toMatchObject({ kind: 'ok' });
      expect(await client.send(gzipSync(records), 'protobuf', 'gzip')).toMatchObject({ kind: 'ok' });
      client.close();
      server.close();
      expect(seen).toEqual(['zstd', 'gzip', 'gzip', 'gzip']);
      expect(said).toEqual([`${url} refused zstd (HTTP ${status}: unsupported Content-Encoding: zstd) and took gzip: sending gzip from now on (a compression named in the exporter's entry is sent as named)`]);
    });
  }

  it('keeps zstd when the endpoint takes it, and a compression asked for has no fallback', async () => {
    const { seen, server, url } = await endpoint(['gzip']);
    const asked = new OtlpClient({ url, headers: {}, compression: 'zstd', timeoutMs: 2000 });
    expect(await asked.send(zstdCompressSync(records), 'protobuf', 'zstd')).toMatchObject({ kind: 'fail', status: 400 });
    expect(asked.compression).toBe('zstd');
    asked.close();
    server.close();
    expect(seen).toEqual(['zstd']);
    const taking = await endpoint(['zstd']);
    const client = new OtlpClient({ url: taking.url, headers: {}, compression: 'zstd', fallback: 'gzip', timeoutMs: 2000 });
    for (let i = 0; i < 3; i++) expect(await client.send(zstdCompressSync(records), 'protobuf', 'zstd')).toMatchObject({ kind: 'ok' });
    client.close();
    taking.server.close();
    expect(taking.seen).toEqual(['zstd', 'zstd', 'zstd']);
  });

  it('a batch refused in both is refused with the fallback\'s answer, and the next batch tries zstd again; other refusals are not retried', async () => {
    const { seen, server, url } = await endpoint([], { status: 400, body: 'bad batch' });
    const said: string[] = [];
    const client = new OtlpClient({ url, headers: {}, compression: 'zstd', fallback: 'gzip', timeoutMs: 2000 }, (m) => said.push(m));
    expect(await client.send(zstdCompressSync(records), 'protobuf', 'zstd')).toMatchObject({ kind: 'fail', status: 400, reason: 'HTTP 400: bad batch: gzip' });
    expect(await client.send(zstdCompressSync(records), 'protobuf', 'zstd')).toMatchObject({ kind: 'fail' });
    client.close();
    server.close();
    expect(seen).toEqual(['zstd', 'gzip', 'zstd', 'gzip']);
    expect(said).toEqual([]);
    const forbidden = await endpoint([], { status: 403, body: 'no token' });
    const other = new OtlpClient({ url: forbidden.url, headers: {}, compression: 'zstd', fallback: 'gzip', timeoutMs: 2000 });
    expect(await other.send(zstdCompressSync(records), 'protobuf', 'zstd')).toMatchObject({ kind: 'fail', status: 403 });
    other.close();
    forbidden.server.close();
    expect(forbidden.seen).toEqual(['zstd']);
  });

  it('stays on zstd when the fallback\'s answer is only "try later"', async () => {
    const { seen, server, url } = await endpoint(['gzip'], undefined, () => 503);
    const client = new OtlpClient({ url, headers: {}, compression: 'zstd', fallback: 'gzip', timeoutMs: 2000 });
    expect(await client.send(zstdCompressSync(records), 'protobuf', 'zstd')).toMatchObject({ kind: 'retry' });
    expect(client.compression).toBe('zstd');
    client.close();
    server.close();
    expect(seen).toEqual(['zstd', 'gzip']);
  });
});

describe('retry policy', () => {
  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });
  it('backs off exponentially up to the cap, with jitter', () => {
    const p = { initialMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 10].map((a) => backoffMs(a, p, () => 0.5))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffMs(0, p, () => 0)).toBe(50);
    expect(backoffMs(0, p, () => 0.999)).toBe(150);
  });

  it('classifies answers as the OTLP specification says', async () => {
    const answers: [number, Record<string, string>][] = [[200, {}], [429, { 'retry-after': '2' }], [502, {}], [503, {}], [504, {}], [400, {}], [500, {}], [404, {}]];
    let i = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const [status, headers] = answers[i++];
        res.writeHead(status, headers);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = new OtlpClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`, headers: {}, compression: 'gzip', timeoutMs: 2000 });
    const kinds = [];
    for (const _ of answers) kinds.push(await client.send(Buffer.from([]), 'protobuf'));
    client.close();
    server.close();
    expect(kinds.map((k) => k.kind)).toEqual(['ok', 'retry', 'retry', 'retry', 'retry', 'fail', 'fail', 'fail']);
    expect(kinds[1]).toMatchObject({ afterMs: 2000 });
    const refused = new OtlpClient({ url: 'http://127.0.0.1:1/v1/logs', headers: {}, compression: 'none', timeoutMs: 500 });
    expect(await refused.send(Buffer.from('{}'), 'json')).toMatchObject({ kind: 'retry', reason: 'ECONNREFUSED' });
    refused.close();
  });
});

describe('DeliveryProcessor', () => {
  const record = (n: number) => ({ body: `r${n}` }) as unknown as ReadWriteLogRecord;

  it('never drops: past the high-water mark it asks the caller to wait until there is room', async () => {
    let release: () => void = () => {};
    const exported: unknown[] = [];
    const exporter: LogRecordExporter = {
      export: (logs, done) => {
        release = () => {
          release = () => {};
          exported.push(...logs);
          done({ code: ExportResultCode.SUCCESS });
        };
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const p = new DeliveryProcessor(exporter, { maxBatch: 4, flushIntervalMs: 1000, idleFlushMs: 1000, highWater: 8, retry: LOCAL_RETRY });
    for (let i = 0; i < 20; i++) p.onEmit(record(i));
    expect(p.hasRoom()).toBe(false);
    let roomy = false;
    const waiting = p.waitForRoom().then(() => (roomy = true));
    for (let i = 0; i < 3; i++) {
      release();
      await new Promise((r) => setImmediate(r));
    }
    await waiting;
    expect(roomy).toBe(true);
    const flushed = p.forceFlush();
    for (let i = 0; i < 5; i++) {
      release();
      await new Promise((r) => setImmediate(r));
    }
    await flushed;
    expect(exported).toHaveLength(20);
    expect(p.stats()).toEqual({ queued: 0, held: 0, delivered: 20, failed: 0, retries: 0 });
  });

  it('sends full batches as they fill; the records behind them wait for more or for the flush timer', async () => {
    const sizes: number[] = [];
    const exporter: LogRecordExporter = {
      // takes each batch at once, as the spool does while it writes
      export: (logs, done) => {
        sizes.push(logs.length);
        done({ code: ExportResultCode.SUCCESS });
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const p = new DeliveryProcessor(exporter, { maxBatch: 4, flushIntervalMs: 1000, idleFlushMs: 50, highWater: 100, retry: LOCAL_RETRY });
    for (let i = 0; i < 6; i++) p.onEmit(record(i));
    await new Promise((r) => setImmediate(r));
    for (let i = 6; i < 9; i++) p.onEmit(record(i));
    await new Promise((r) => setImmediate(r));
    expect(sizes).toEqual([4, 4]);
    await new Promise((r) => setTimeout(r, 200));
    expect(sizes).toEqual([4, 4, 1]);
    await p.shutdown();
  });

  it('sends the partial batch whose flush timer fired while a full batch was being exported', async () => {
    const sizes: number[] = [];
    let release = () => {};
    const exporter: LogRecordExporter = {
      export: (logs, done) => {
        sizes.push(logs.length);
        release = () => done({ code: ExportResultCode.SUCCESS });
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const p = new DeliveryProcessor(exporter, { maxBatch: 4, flushIntervalMs: 1000, idleFlushMs: 20, highWater: 100, retry: LOCAL_RETRY });
    for (let i = 0; i < 6; i++) p.onEmit(record(i));
    await new Promise((r) => setTimeout(r, 80));
    expect(sizes).toEqual([4]);
    release();
    await new Promise((r) => setTimeout(r, 80));
    expect(sizes).toEqual([4, 2]);
    release();
    await p.shutdown();
  });

  it('counts what an exporter failed to take for good', async () => {
    const exporter: LogRecordExporter = {
      export: (_logs, done) => done({ code: ExportResultCode.FAILED, error: new Error('disk full') }),
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const errors: string[] = [];
    const p = new DeliveryProcessor(exporter, { maxBatch: 10, flushIntervalMs: 5, idleFlushMs: 5, highWater: 100, retry: LOCAL_RETRY }, (m) => errors.push(m));
    for (let i = 0; i < 3; i++) p.onEmit(record(i));
    await p.forceFlush();
    expect(p.stats().failed).toBe(3);
    expect(errors).toEqual(['an exporter lost 3 records: disk full']);
  });

  it('holds a batch that fails retryably and delivers it, in order, once the exporter recovers', async () => {
    let failures = 3;
    const seen: unknown[][] = [];
    const exporter: LogRecordExporter = {
      export: (logs, done) => {
        seen.push(logs.map((l) => l.body));
        if (failures-- > 0) return done({ code: ExportResultCode.FAILED, error: new RetryableExportError('ENOSPC') });
        done({ code: ExportResultCode.SUCCESS });
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const errors: string[] = [];
    const p = new DeliveryProcessor(exporter, { maxBatch: 2, flushIntervalMs: 5, idleFlushMs: 5, highWater: 100, retry: { initialMs: 1, maxMs: 2 }, label: 'exporter[0] file x' }, (m) => errors.push(m));
    for (let i = 0; i < 4; i++) p.onEmit(record(i));
    await p.forceFlush();
    expect(seen).toEqual([['r0', 'r1'], ['r0', 'r1'], ['r0', 'r1'], ['r0', 'r1'], ['r2', 'r3']]);
    expect(p.stats()).toEqual({ queued: 0, held: 0, delivered: 4, failed: 0, retries: 3 });
    expect(errors[0]).toMatch(/^exporter\[0\] file x: ENOSPC; holding 2 records/);
    expect(errors[1]).toBe('exporter[0] file x: writing again; the held records were delivered');
  });

  it("queues in an exporter's own queue: a retry exports the batch it took, and a record its queue refuses is counted", async () => {
    const taken: string[][] = [];
    const exported: string[] = [];
    let failures = 2;
    const queue: string[] = [];
    const exporter: QueueingExporter = {
      export: () => expect.unreachable('records go through the queue'),
      forceFlush: async () => {},
      shutdown: async () => {},
      createQueue: () => ({
        get length() {
          return queue.length;
        },
        push: (r) => {
          if (r.body === 'r2') throw new Error('cannot encode r2');
          queue.push(String(r.body));
        },
        take: (max) => {
          const batch = queue.splice(0, max);
          taken.push(batch);
          return batch;
        },
        export: (batch, done) => {
          if (failures-- > 0) return done({ code: ExportResultCode.FAILED, error: new RetryableExportError('ENOSPC') });
          exported.push(...(batch as string[]));
          done({ code: ExportResultCode.SUCCESS });
        },
      }),
    };
    const errors: string[] = [];
    const p = new DeliveryProcessor(exporter, { maxBatch: 2, flushIntervalMs: 5, idleFlushMs: 5, highWater: 100, retry: { initialMs: 1, maxMs: 2 } }, (m) => errors.push(m));
    for (let i = 0; i < 5; i++) p.onEmit(record(i));
    await p.forceFlush();
    expect(taken).toEqual([['r0', 'r1'], ['r3', 'r4']]);
    expect(exported).toEqual(['r0', 'r1', 'r3', 'r4']);
    expect(p.stats()).toEqual({ queued: 0, held: 0, delivered: 4, failed: 1, retries: 2 });
    expect(errors[0]).toBe('an exporter lost a record: cannot encode r2');
  });

  it('gives up at the deadline what still fails, and counts it', async () => {
    const exporter: LogRecordExporter = {
      export: (_logs, done) => done({ code: ExportResultCode.FAILED, error: new RetryableExportError('ENOSPC') }),
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const p = new DeliveryProcessor(exporter, { maxBatch: 2, flushIntervalMs: 5, idleFlushMs: 5, highWater: 100, retry: { initialMs: 5, maxMs: 10 } });
    for (let i = 0; i < 5; i++) p.onEmit(record(i));
    await new Promise((r) => setTimeout(r, 50));
    expect(p.stats()).toMatchObject({ held: 2, queued: 3, failed: 0 });
    await p.flushBy(Date.now() + 20);
    expect(p.stats()).toMatchObject({ held: 0, queued: 0, failed: 5, delivered: 0 });
  });
});
