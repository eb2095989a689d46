// When the queues are full, the addon still hands over the batches it has in
// flight. Each used to be decoded into the full queues at once; now a batch
// that comes while another waits for room waits behind it, from a copy,
// because the addon writes the next batch into the same buffer.
import { describe, expect, it } from 'vitest';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { DEFAULT_CONFIG } from '../../receiver/src/config/defaults';
import { exitRecord, frameBatch, SAMPLE_PROC } from '../../receiver/src/decode/encode';
import { Receiver } from '../../receiver/src/receiver';

/** Holds every export until the test lets it finish. */
class HeldExporter implements LogRecordExporter {
  readonly pids: number[] = [];
  private readonly held: (() => void)[] = [];

  export(logs: ReadableLogRecord[], done: (r: ExportResult) => void): void {
    this.held.push(() => {
      for (const l of logs) this.pids.push(l.attributes['process.pid'] as number);
      done({ code: ExportResultCode.SUCCESS });
    });
  }

  /** Finishes the exports held so far; true when there were any. */
  finishHeld(): boolean {
    const now = this.held.splice(0);
    now.forEach((f) => f());
    return now.length > 0;
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

// pids far above pid_max, so no lookup in /proc finds a real process
const exits = (firstPid: number, n: number) =>
  frameBatch(Array.from({ length: n }, (_, i) => exitRecord(BigInt(firstPid + i) * 1000n, 0, { ...SAMPLE_PROC, pid: firstPid + i, tid: firstPid + i })));
const range = (first: number, n: number) => Array.from({ length: n }, (_, i) => first + i);
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Lets the exporter finish what stopping hands it until the receiver has stopped. */
async function stopWith(exporter: HeldExporter, stopping: Promise<unknown>): Promise<void> {
  while (exporter.finishHeld() || !(await Promise.race([stopping.then(() => true), turn().then(() => false)])));
}

function receiver(exporter: HeldExporter): Receiver {
  const config = structuredClone(DEFAULT_CONFIG);
  config.limits.queue_size = 8;
  config.limits.export_batch_size = 4;
  return new Receiver(config, { exporters: [exporter] });
}

describe('a batch that comes while the queues are full', () => {
  it('is decoded after the one that waits for room, in order, from its own copy', async () => {
    const exporter = new HeldExporter();
    const r = receiver(exporter);
    const first = r.handleBatch(exits(10_000_000, 12));
    expect(first).toBeInstanceOf(Promise);
    // the addon's one buffer: the second batch in it, then the third written over it
    const shared = exits(20_000_000, 4);
    const second = r.handleBatch(shared);
    exits(30_000_000, 4).copy(shared);
    expect(second).toBeInstanceOf(Promise);
    expect(r.statistics().emitted).toBe(12);

    let settled = false;
    void Promise.all([first, second]).then(() => (settled = true));
    for (let i = 0; i < 50 && !settled; i++) {
      exporter.finishHeld();
      await turn();
    }
    expect(settled).toBe(true);
    expect(r.statistics().emitted).toBe(16);
    // nothing of an ended wait is kept: under a long backpressure one kept per batch would pile up
    expect((r as unknown as { roomWaits: Set<unknown> }).roomWaits.size).toBe(0);
    const stopping = r.stop();
    await stopWith(exporter, stopping);
    expect(exporter.pids).toEqual([...range(10_000_000, 12), ...range(20_000_000, 4)]);
  });

  it('goes into the queues at shutdown without waiting for room', async () => {
    const exporter = new HeldExporter();
    const r = receiver(exporter);
    const first = r.handleBatch(exits(10_000_000, 12));
    const second = r.handleBatch(exits(20_000_000, 4));
    expect(r.statistics().emitted).toBe(12);
    const stopping = r.stop();
    // the exporter is stuck; stopping still takes the waiting batch in before it flushes
    await turn();
    await turn();
    expect(r.statistics().emitted).toBe(16);
    await first;
    await second;
    await stopWith(exporter, stopping);
    expect(exporter.pids).toEqual([...range(10_000_000, 12), ...range(20_000_000, 4)]);
  });
});
