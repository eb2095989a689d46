// Replaces the SDK's BatchLogRecordProcessor, which drops records silently
// when its queue is full. This one never drops: the queue is bounded by
// backpressure instead. When it holds more than `highWater` records the
// receiver waits on waitForRoom() before releasing the batch to the addon,
// the addon stops draining, and the kernel's ring buffer absorbs the
// burst; only if that overflows are events lost, counted by kind in the kernel.
// A batch that fails retryably (a full disk) is held and tried again with
// backoff, so a failing exporter backs up the same way; only what is given
// up at shutdown, after the deadline, is counted as failed.
import type { Context } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, LogRecordProcessor, ReadableLogRecord, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { queueFor, type QueuedBatch, type RecordQueue } from './record_queue';
import { RetryableExportError, retryPause } from './retryable';
import { backoffMs, type RetryPolicy } from './spool_sender';

export interface DeliveryOptions {
  maxBatch: number;
  /** a partial batch is exported at the latest this long after its first record... */
  flushIntervalMs: number;
  /** ...or as soon as no record came for this long: a quiet host's first record is not held back */
  idleFlushMs: number;
  highWater: number;
  /** the exporter in messages, e.g. "exporter[1] file /var/log/bpfaudit/audit.jsonl" */
  label?: string;
  retry: RetryPolicy;
}

export interface DeliveryStats {
  queued: number;
  /** records the exporter took (for OTLP: spooled) */
  delivered: number;
  /** records given up: a final export error, or still failing when shutdown's deadline passed */
  failed: number;
  /** attempts repeated after a retryable failure */
  retries: number;
  /** records of a batch the exporter is failing on right now, held for another try */
  held: number;
}

/** An exporter that may fill up (the OTLP spool) and retry writes of its own, which shutdown's deadline ends. */
export type HoldingExporter = LogRecordExporter & { hasRoom?(): boolean; abandon?(): void };

export class DeliveryProcessor implements LogRecordProcessor {
  private readonly queue: RecordQueue;
  private exporting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** records pushed so far, and that count when the flush timer was last armed: equal means idle */
  private pushed = 0;
  private pushedAtArm = 0;
  private batchStartedAt = 0;
  private waiters: (() => void)[] = [];
  private readonly counts = { delivered: 0, failed: 0, retries: 0 };
  private held = 0;
  private closed = false;
  private abandoned = false;
  /** end a retry's pause */
  private readonly wakers = new Set<() => void>();
  /** a kick asked for the partial batch too */
  private partialWanted = false;

  constructor(
    readonly exporter: HoldingExporter,
    private readonly options: DeliveryOptions,
    private readonly onError: (message: string) => void = () => {},
  ) {
    this.queue = queueFor(exporter);
  }

  onEmit(record: ReadWriteLogRecord, _context?: Context): void {
    this.push(record);
  }

  /** Records that did not come through the SDK's Logger (the direct record path). */
  push(record: ReadableLogRecord): void {
    try {
      this.queue.push(record);
    } catch (e) {
      // an exporter that encodes as it queues failed on this record: counted, and the batch goes on
      this.counts.failed++;
      this.onError(`${this.label()} lost a record: ${(e as Error).message}`);
      return;
    }
    this.pushed++;
    if (this.queue.length >= this.options.maxBatch) this.kick(false);
    else if (!this.timer) {
      this.batchStartedAt = Date.now();
      this.arm(this.options.idleFlushMs);
    }
  }

  // One timer per partial batch, not one per record: it checks on firing whether records kept coming.
  private arm(ms: number): void {
    this.pushedAtArm = this.pushed;
    this.timer = setTimeout(() => this.onTimer(), ms);
  }

  private onTimer(): void {
    this.timer = undefined;
    const left = this.batchStartedAt + this.options.flushIntervalMs - Date.now();
    if (this.pushed === this.pushedAtArm || left <= 0) this.kick();
    else this.arm(Math.min(this.options.idleFlushMs, left));
  }

  /** Room in the queue, and in the exporter if it can fill up (the OTLP spool). */
  hasRoom(): boolean {
    return this.queue.length < this.options.highWater && this.exporterHasRoom();
  }

  private exporterHasRoom(): boolean {
    return this.exporter.hasRoom?.() ?? true;
  }

  async waitForRoom(): Promise<void> {
    while (!this.hasRoom()) {
      this.kick();
      if (this.queue.length >= this.options.highWater) await new Promise<void>((resolve) => this.waiters.push(resolve));
      // the exporter is full: it drains on its own, so look again shortly
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Exports what is queued; with `partial` false only full batches, as a full
   * one came in. The records behind them were queued after the kick, and the
   * first of them armed the flush timer: when an export returns at once (the
   * spool takes batches while it writes), they would otherwise leave as a
   * small batch of their own. A partial kick while an export runs is kept
   * for its loop: the timer that asked is spent.
   */
  private kick(partial = true): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (partial && this.queue.length) this.partialWanted = true;
    if (!this.exporting && this.queue.length) this.exporting = this.exportAll().finally(() => (this.exporting = undefined));
  }

  private async exportAll(): Promise<void> {
    while (this.queue.length >= this.options.maxBatch || (this.partialWanted && this.queue.length)) {
      // a full spool is emptied by its sender: wait for it rather than discard spooled batches
      while (!this.closed && !this.exporterHasRoom()) await new Promise((r) => setTimeout(r, 20));
      const batch = this.queue.take(this.options.maxBatch);
      this.notifyRoom();
      const error = await this.exportHolding(batch);
      if (error) {
        this.counts.failed += batch.length;
        this.onError(`${this.label()} lost ${batch.length} records: ${error.message}`);
      } else {
        this.counts.delivered += batch.length;
      }
    }
    this.partialWanted = false;
  }

  private label(): string {
    return this.options.label ?? 'an exporter';
  }

  /** Exports a batch, trying it again while it fails retryably; the error that ends it, if any. */
  private async exportHolding(batch: QueuedBatch): Promise<Error | undefined> {
    let error = await this.exportOnce(batch);
    if (!(error instanceof RetryableExportError) || this.abandoned) return error;
    this.held = batch.length;
    this.onError(`${this.label()}: ${error.message}; holding ${batch.length} records (later ones wait in the queue and the kernel's ring) and retrying`);
    for (let attempt = 0; error instanceof RetryableExportError && !this.abandoned; attempt++) {
      await retryPause(backoffMs(attempt, this.options.retry), this.wakers);
      this.counts.retries++;
      error = await this.exportOnce(batch);
    }
    this.held = 0;
    if (!error) this.onError(`${this.label()}: writing again; the held records were delivered`);
    return error;
  }

  /** From now on a failing batch is tried once more, then counted as failed: shutdown's deadline passed. */
  abandon(): void {
    this.abandoned = true;
    for (const wake of [...this.wakers]) wake();
    // an exporter that retries writes of its own (the OTLP spool) gives them up too
    this.exporter.abandon?.();
  }

  /** Flushes, giving up (counted) what still fails at the deadline (ms since epoch). */
  async flushBy(deadline: number): Promise<void> {
    const timer = setTimeout(() => this.abandon(), Math.max(0, deadline - Date.now()));
    try {
      await this.forceFlush();
    } finally {
      clearTimeout(timer);
    }
  }

  private notifyRoom(): void {
    if (this.queue.length < this.options.highWater) this.waiters.splice(0).forEach((w) => w());
  }

  private exportOnce(batch: QueuedBatch): Promise<Error | undefined> {
    return new Promise((resolve) => {
      try {
        this.queue.export(batch, (r) => resolve(r.code === ExportResultCode.SUCCESS ? undefined : (r.error ?? new Error('export failed'))));
      } catch (e) {
        resolve(e as Error);
      }
    });
  }

  async forceFlush(): Promise<void> {
    while (this.queue.length || this.exporting) {
      this.kick();
      await this.exporting;
    }
    await this.exporter.forceFlush();
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    // from here a full spool discards its oldest batches (counted) instead of holding up the exit
    this.closed = true;
    await this.forceFlush();
    this.waiters.splice(0).forEach((w) => w());
    await this.exporter.shutdown();
  }

  stats(): DeliveryStats {
    return { queued: this.queue.length, held: this.held, ...this.counts };
  }
}
