import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, SdkLogRecord } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryProcessor } from '../../receiver/src/delivery/delivery_processor';
import { OtlpClient, retryAfterMs } from '../../receiver/src/delivery/otlp_client';
import { Spool } from '../../receiver/src/delivery/spool';
import { backoffMs } from '../../receiver/src/delivery/spool_sender';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'bpfaudit-unit-'));
  dirs.push(d);
  return d;
};

describe('Spool', () => {
  it('keeps batches in order across a restart', () => {
    const d = tmp();
    const a = new Spool(d, 1 << 20, false);
    a.append(Buffer.from('one'), 1);
    a.append(Buffer.from('two'), 2);
    const b = new Spool(d, 1 << 20, false);
    expect(b.oldest()).toMatchObject({ records: 1, payload: Buffer.from('one') });
    b.remove(b.oldest()!.seq);
    b.append(Buffer.from('three'), 3);
    expect(b.oldest()!.payload.toString()).toBe('two');
    expect(b.stats()).toMatchObject({ batches: 2 });
  });

  it('discards the oldest batches when full, and counts their records', () => {
    const s = new Spool(tmp(), 100, false);
    s.append(Buffer.alloc(40), 5);
    s.append(Buffer.alloc(40), 6);
    s.append(Buffer.alloc(40), 7);
    expect(s.stats()).toMatchObject({ batches: 1, overflowRecords: 11 });
    expect(s.oldest()!.records).toBe(7);
  });

  it('sets a torn file aside instead of sending it, and drops leftover temporaries', () => {
    const d = tmp();
    writeFileSync(join(d, '0000000000000001.otlp'), Buffer.from('garbage'));
    writeFileSync(join(d, '0000000000000002.otlp.tmp'), Buffer.from('half'));
    const s = new Spool(d, 1 << 20, false);
    expect(s.oldest()).toBeUndefined();
    expect(readdirSync(d).sort()).toEqual(['0000000000000001.otlp.corrupt']);
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
    const client = new OtlpClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`, protocol: 'http/protobuf', headers: {}, gzip: true, timeoutMs: 2000 });
    const kinds = [];
    for (const _ of answers) kinds.push(await client.send(Buffer.from([])));
    client.close();
    server.close();
    expect(kinds.map((k) => k.kind)).toEqual(['ok', 'retry', 'retry', 'retry', 'retry', 'fail', 'fail', 'fail']);
    expect(kinds[1]).toMatchObject({ afterMs: 2000 });
    const refused = new OtlpClient({ url: 'http://127.0.0.1:1/v1/logs', protocol: 'http/json', headers: {}, gzip: false, timeoutMs: 500 });
    expect(await refused.send(Buffer.from('{}'))).toMatchObject({ kind: 'retry', reason: 'ECONNREFUSED' });
    refused.close();
  });
});

describe('DeliveryProcessor', () => {
  const record = (n: number) => ({ body: `r${n}` }) as unknown as SdkLogRecord;

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
    const p = new DeliveryProcessor(exporter, { maxBatch: 4, flushIntervalMs: 1000, highWater: 8 });
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
    expect(p.stats()).toEqual({ queued: 0, delivered: 20, failed: 0 });
  });

  it('counts what an exporter failed to take', async () => {
    const exporter: LogRecordExporter = {
      export: (_logs, done) => done({ code: ExportResultCode.FAILED, error: new Error('disk full') }),
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const errors: string[] = [];
    const p = new DeliveryProcessor(exporter, { maxBatch: 10, flushIntervalMs: 5, highWater: 100 }, (m) => errors.push(m));
    for (let i = 0; i < 3; i++) p.onEmit(record(i));
    await p.forceFlush();
    expect(p.stats().failed).toBe(3);
    expect(errors).toEqual(['an exporter lost 3 records: disk full']);
  });
});
