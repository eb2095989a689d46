// Sends the spool's batches to the collector one at a time, oldest first,
// so records arrive in order and exactly once per acknowledged batch.
// Retryable failures back off exponentially with jitter (or as long as
// Retry-After says) and retry the same batch; final failures are counted.
import type { OtlpClient, SendResult } from './otlp_client';
import type { Spool } from './spool';

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

export interface SenderStats {
  /** records the collector accepted */
  exported: number;
  /** records the collector rejected in a partial success */
  rejected: number;
  /** records dropped after a final (non-retryable) failure */
  failed: number;
  /** requests retried */
  retries: number;
  lastError?: string;
}

/** Exponential backoff with full jitter in [0.5, 1.5) of the step. */
export function backoffMs(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const step = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(step * (0.5 + random()));
}

export class SpoolSender {
  private readonly counts: SenderStats = { exported: 0, rejected: 0, failed: 0, retries: 0 };
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pause: NodeJS.Timeout | undefined;

  constructor(
    private readonly spool: Spool,
    private readonly client: OtlpClient,
    private readonly policy: RetryPolicy,
    private readonly onError: (message: string) => void = () => {},
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** A new batch was spooled. */
  notify(): void {
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        clearTimeout(this.pause);
        this.wake = undefined;
        resolve();
      };
      this.pause = setTimeout(() => this.wake?.(), ms);
    });
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (this.running) {
      const batch = this.spool.oldest();
      if (!batch) {
        await this.sleep(60_000);
        continue;
      }
      const result: SendResult = await this.client.send(batch.payload, batch.encoding, batch.compression);
      if (result.kind === 'retry') {
        this.counts.retries++;
        this.counts.lastError = result.reason;
        if (attempt === 0) this.onError(`collector unavailable (${result.reason}); records wait in the spool`);
        const delay = result.afterMs ?? backoffMs(attempt, this.policy);
        attempt++;
        if (this.running) await this.sleepUninterrupted(delay);
        continue;
      }
      attempt = 0;
      if (result.kind === 'ok') {
        if (!(await this.spool.remove(batch.seq))) continue; // discarded by overflow meanwhile: already counted
        this.counts.exported += batch.records - result.rejected;
        this.counts.rejected += result.rejected;
        if (result.rejected) this.onError(`collector rejected ${result.rejected} records: ${result.message ?? 'no reason given'}`);
      } else {
        // kept for an operator, out of the way of the batches behind it
        if (!this.spool.reject(batch.seq, result.answer)) continue;
        this.counts.failed += batch.records;
        this.counts.lastError = result.reason;
        this.onError(`collector refused a batch of ${batch.records} records for good (${result.reason}); kept in ${this.spool.rejectedDir()}`);
      }
    }
  }

  /** Backoff that a new batch does not cut short (the collector is the bottleneck). */
  private async sleepUninterrupted(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (this.running && Date.now() < until) await this.sleep(until - Date.now());
  }

  /** Delivers until the spool is empty or the deadline passes; what is left stays on disk. */
  async drain(deadline: number): Promise<boolean> {
    while (this.spool.stats().batches > 0 && Date.now() < deadline) {
      this.notify();
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.spool.stats().batches === 0;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.client.close();
  }

  stats(): SenderStats {
    return { ...this.counts };
  }
}
