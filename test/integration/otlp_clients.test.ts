// Why bpfaudit ships records with its own OTLP client rather than the stock
// @opentelemetry/exporter-logs-otlp-http: the same collector outage, the
// same records, both against the strict local OTLP server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_PROC } from '../../receiver/src/decode/encode';
import { OtlpLogsEncoder } from '../../receiver/src/delivery/otlp_protobuf';
import { SpoolingOtlpExporter } from '../../receiver/src/delivery/spooling_otlp_exporter';
import type { ExecEvent } from '../../receiver/src/events';
import { eventToLogRecord } from '../../receiver/src/mapping/event_to_logrecord';
import { OtlpTestServer } from '../helpers/otlp/otlp_server';
import { readable, testContext } from '../helpers/records';

const N = 100;

function execs(marker: string): ReadableLogRecord[] {
  return Array.from({ length: N }, (_, i) => {
    const e: ExecEvent = {
      kind: 'exec', ktimeNs: BigInt(i + 1), proc: SAMPLE_PROC, oldComm: 'bash', exe: '/usr/bin/true',
      exeTruncated: false, exeFileless: false, exeDeleted: false, exeOverlayUpper: false, argv: ['true', `${marker}-${i}`], argsTruncated: false,
    };
    return readable(eventToLogRecord(e, testContext()));
  });
}

const exported = (exporter: { export(r: ReadableLogRecord[], cb: (r: ExportResult) => void): void }, records: ReadableLogRecord[]) =>
  new Promise<ExportResult>((resolve) => exporter.export(records, resolve));

describe('the stock OTLP/HTTP logs exporter and bpfaudit own client, one collector outage', () => {
  const server = new OtlpTestServer();
  let url = '';
  let spoolDir = '';

  beforeAll(async () => {
    url = await server.start();
    spoolDir = mkdtempSync(join(tmpdir(), 'bpfaudit-spool-'));
  });
  afterAll(async () => {
    await server.stop();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('a 12 s outage (503): the stock exporter fails the batch, which the SDK then drops; ours delivers every record once', async () => {
    const outageEnds = Date.now() + 12_000;
    server.refuse = () => (Date.now() < outageEnds ? { status: 503 } : undefined);

    // its defaults: 10 s for an export, retries inside that
    const stock = new OTLPLogExporter({ url: `${url}/v1/logs` });
    const own = new SpoolingOtlpExporter({
      url: `${url}/v1/logs`, headers: {}, compression: 'none', timeoutMs: 10_000, protocol: 'http/protobuf',
      spoolDir, spoolMaxBytes: 16 << 20, retry: { initialMs: 100, maxMs: 2_000 }, encoder: 'direct',
    });
    const [stockResult, ownResult] = await Promise.all([exported(stock, execs('stock')), exported(own, execs('own'))]);
    expect(ownResult.code).toBe(ExportResultCode.SUCCESS); // on disk, to be sent when the collector is back
    expect(stockResult.code).toBe(ExportResultCode.FAILED);
    expect(Date.now()).toBeLessThan(outageEnds); // it gave up while the collector was still away

    expect(await own.drain(Date.now() + 20_000)).toBe(true);
    await own.shutdown();
    await stock.shutdown();
    const bodies = server.records.map((r) => String(r.body));
    const ownSeen = bodies.filter((b) => / own-\d+/.test(b));
    expect(ownSeen).toHaveLength(N);
    expect(new Set(ownSeen).size).toBe(N);
    expect(bodies.filter((b) => / stock-\d+/.test(b))).toHaveLength(0);
    expect(server.refusedAt.length).toBeGreaterThan(2);
  }, 40_000);

  it('on the wire: the stock HTTP exporter speaks OTLP/JSON only; the same records as protobuf are a fraction of it', () => {
    const records = execs('size');
    const json = JsonLogsSerializer.serializeRequest(records)!.length;
    const protobuf = new OtlpLogsEncoder().encode(records)!.length;
    process.stdout.write(`OTLP bytes per exec record: JSON ${Math.round(json / N)}, protobuf ${Math.round(protobuf / N)}\n`);
    expect(protobuf).toBeLessThan(json * 0.6);
  });
});
