// Delivery when the collector is away: 503 with Retry-After, then gone, then
// back; the receiver restarted in between; and a ring buffer that overflows.
// Every record generated meanwhile must arrive exactly once and in order,
// and every loss must be counted by kind and reported in bpfaudit.stats.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterAll, expect, it } from 'vitest';
import { DEFAULT_CONFIG, EXPORTER_DEFAULTS } from '../../receiver/src/config/defaults';
import type { Config } from '../../receiver/src/config/types';
import { Receiver } from '../../receiver/src/receiver';
import { until } from '../helpers/cli';
import { describeKernel } from '../helpers/kernel';
import { OtlpTestServer } from '../helpers/otlp/otlp_server';
import { markedExecs, runProgram } from '../helpers/processes';

const dir = mkdtempSync(join(tmpdir(), 'bpfaudit-delivery-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function otlpConfig(url: string, spool: string): Config {
  const c = structuredClone(DEFAULT_CONFIG);
  c.probes.tcp = { connect: false, accept: false, close: false };
  c.probes.udp = { ...c.probes.udp, bind: false, connect: false, send: false, receive: false };
  c.exporters = [{ type: 'otlp', endpoint: url, protocol: 'http/protobuf', ...structuredClone(EXPORTER_DEFAULTS.otlp), retry: { initial_ms: 100, max_ms: 400 }, spool: { dir: spool, max_bytes: 64 << 20 } }];
  c.limits.flush_interval_ms = 50;
  c.limits.shutdown_timeout_ms = 300;
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));



function arrivedMarkers(server: OtlpTestServer, prefix: string): string[] {
  return server.records
    .filter((r) => r.eventName === 'process.exec')
    .map((r) => (r.attributes['process.command_args'] as string[])[1])
    .filter((m) => typeof m === 'string' && m.startsWith(`${prefix}-`));
}

describeKernel('delivery while the collector is away', () => {
  it('503 with Retry-After, then no collector, then back: every record once, in order', async () => {
    const server = new OtlpTestServer();
    const url = await server.start();
    const port = server.port;
    let refusals = 3;
    server.refuse = () => (refusals-- > 0 ? { status: 503, headers: { 'retry-after': '1' } } : undefined);
    const errors: string[] = [];
    const receiver = new Receiver(otlpConfig(url, join(dir, 'spool-a')), { onError: (e) => errors.push(e.message) });
    receiver.start();
    const prefix = `away${process.pid}`;
    const first = await markedExecs(prefix, 0, 10, 60);
    await until('the refusals', () => server.refusedAt.length >= 3);
    await server.stop(); // the collector goes away
    const second = await markedExecs(prefix, 10, 25, 60);
    await sleep(500);
    expect(receiver.statistics().exporters[0].otlp!.spool.batches).toBeGreaterThan(0);
    await server.start(port); // and comes back
    const third = await markedExecs(prefix, 25, 30, 60);
    const all = [...first, ...second, ...third];
    await until('every record at the collector', () => arrivedMarkers(server, prefix).length >= all.length, 15_000);
    const stats = await receiver.stop();
    await server.stop();

    expect(arrivedMarkers(server, prefix)).toEqual(all);
    expect(server.errors).toEqual([]);
    // Retry-After: 1 was honoured between refusals
    const gaps = server.refusedAt.slice(1).map((t, i) => t - server.refusedAt[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(900);
    expect(stats.exporters[0].otlp).toMatchObject({ failed: 0, rejected: 0, spool: { batches: 0, overflowRecords: 0 } });
    expect(stats.exporters[0].otlp!.retries).toBeGreaterThanOrEqual(3);
    expect(errors.some((e) => e.includes('collector unavailable'))).toBe(true);
  });

  it('the receiver restarted while the collector is away loses nothing that was spooled', async () => {
    const server = new OtlpTestServer();
    await server.start();
    const port = server.port;
    await server.stop(); // no collector at first
    const url = `http://127.0.0.1:${port}`;
    const spool = join(dir, 'spool-b');
    const prefix = `restart${process.pid}`;

    const before = new Receiver(otlpConfig(url, spool));
    before.start();
    const spooled = await markedExecs(prefix, 0, 12, 40);
    await sleep(300);
    const stopped = await before.stop(); // shutdown timeout passes with the collector still away
    expect(stopped.exporters[0].otlp!.spool.batches).toBeGreaterThan(0);
    expect(readdirSync(join(spool, 'otlp-0')).filter((f) => f.endsWith('.otlp')).length).toBe(stopped.exporters[0].otlp!.spool.batches);

    await server.start(port);
    const after = new Receiver(otlpConfig(url, spool));
    after.start();
    const later = await markedExecs(prefix, 12, 16, 40);
    await until('spooled and new records at the collector', () => arrivedMarkers(server, prefix).length >= spooled.length + later.length, 15_000);
    await after.stop();
    await server.stop();
    expect(arrivedMarkers(server, prefix)).toEqual([...spooled, ...later]);
  });
});

/** An exporter that takes its time, so the pipeline backs up into the kernel. */
class SlowExporter implements LogRecordExporter {
  readonly records: ReadableLogRecord[] = [];
  constructor(private readonly delayMs: number) {}
  export(logs: ReadableLogRecord[], done: (r: ExportResult) => void): void {
    setTimeout(() => {
      this.records.push(...logs);
      done({ code: ExportResultCode.SUCCESS });
    }, this.delayMs);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

describeKernel('ring-buffer overflow', () => {
  it('is counted by kind in the kernel and reported in bpfaudit.stats', async () => {
    const c = structuredClone(DEFAULT_CONFIG);
    c.limits = { ...c.limits, ring_buffer_bytes: 1 << 16, max_inflight_batches: 1, batch_bytes: 1 << 12, queue_size: 16, export_batch_size: 16, flush_interval_ms: 10, stats_interval_ms: 300 };
    const exporter = new SlowExporter(200);
    const receiver = new Receiver(c, { exporters: [exporter] });
    receiver.start();
    const big = 'x'.repeat(3000);
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 25; i++) await runProgram('/bin/true', [big]);
    }));
    await until('lost events in the kernel', () => (receiver.statistics().kernel.lost.exec ?? 0) > 0, 20_000);
    await until('a stats record that reports them', () =>
      exporter.records.some((r) => r.eventName === 'bpfaudit.stats' && (r.attributes['bpfaudit.kernel.lost.exec'] as number) > 0), 30_000);
    const stats = await receiver.stop();
    const report = exporter.records.find((r) => r.eventName === 'bpfaudit.stats' && (r.attributes['bpfaudit.kernel.lost.exec'] as number) > 0)!;
    expect(report.severityText).toBe('WARN');
    expect(report.attributes['bpfaudit.kernel.lost']).toBeGreaterThan(0);
    expect(report.body).toMatch(/lost=\d+/);
    // nothing was dropped anywhere else: what the kernel delivered was all exported
    expect(stats.exporters[0].failed).toBe(0);
    expect(exporter.records.filter((r) => r.eventName !== 'bpfaudit.stats').length).toBe(stats.emitted);
  }, 90_000);
});
