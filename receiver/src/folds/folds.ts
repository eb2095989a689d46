// Repeats of a folded kind (UDP datagrams per flow always; TCP
// connect/accept/close when the redundancy cache is on). The kernel emits
// the first occurrence of each window and counts the rest in its LRU
// "folds" map. The first occurrence is a record at once; when its window is
// over and there were repeats, ONE summary record follows with their count
// and sums, read from the kernel's map, or from the fold-end record the
// kernel emits when a later occurrence reopens the key first. A key seen
// once gives exactly one record.
import type { FoldCounts, FoldEndEvent, Foldable, RepeatSummary } from '../events';

export interface FoldStats {
  pending: number;
  /** windows closed */
  closed: number;
  /** summary records emitted (windows with repeats) */
  summarized: number;
  /** windows whose key the kernel's LRU evicted before they were read: their repeats are unknown */
  evicted: number;
}

export interface FoldsOptions<E> {
  /** the window of an occurrence (UDP flows and the TCP cache have their own) */
  windowNs(ev: E): bigint;
  /** how long after a window's end its totals are read, for in-flight occurrences to land */
  graceNs: bigint;
  /** reads the kernel's current totals for a key, undefined when absent */
  read(key: Buffer): FoldCounts | undefined;
  /** receives each summary: the first occurrence, with `repeat` set */
  emit(record: E): void;
}

interface Pending<E> {
  first: E;
  folding: Foldable;
  /** the first record's Timestamp, kept as emitted (the boot-to-wall offset is re-read as time passes) */
  firstTimeUnixNs: bigint;
  /** set when the kernel's map already holds a newer window: wait for the fold-end record */
  awaitingEndSince?: bigint;
}

function pendingId(key: Buffer, windowStart: bigint): string {
  return `${key.toString('hex')}/${windowStart}`;
}

export class Folds<E extends { folding?: Foldable; repeat?: RepeatSummary }> {
  private readonly pending = new Map<string, Pending<E>>();
  private readonly counts = { closed: 0, summarized: 0, evicted: 0 };

  constructor(private readonly options: FoldsOptions<E>) {}

  /** Watches the window of a first occurrence, which the caller emitted as a record stamped firstTimeUnixNs. */
  watch(ev: E, firstTimeUnixNs: bigint): void {
    const folding = ev.folding!;
    this.pending.set(pendingId(folding.foldKey, folding.fold.windowStartNs), { first: ev, folding, firstTimeUnixNs });
  }

  /** A window the kernel closed because a later occurrence reopened its key. */
  end(ev: FoldEndEvent): void {
    const id = pendingId(ev.foldKey, ev.fold.windowStartNs);
    const p = this.pending.get(id);
    // nothing pending: it was closed from the map already (same totals) or at shutdown
    if (p) this.close(id, p, ev.fold, ev.ktimeNs);
  }

  /** Closes every window that ended before nowNs (CLOCK_BOOTTIME). */
  sweep(nowNs: bigint): void {
    const { graceNs } = this.options;
    for (const [id, p] of this.pending) {
      const start = p.folding.fold.windowStartNs;
      if (nowNs < start + this.options.windowNs(p.first) + graceNs) continue;
      const current = this.options.read(p.folding.foldKey);
      if (current && current.windowStartNs === start) {
        this.close(id, p, current, nowNs);
      } else if (!current) {
        this.evict(id);
      } else if (p.awaitingEndSince === undefined) {
        p.awaitingEndSince = nowNs;
      } else if (nowNs - p.awaitingEndSince >= graceNs) {
        // evicted and reopened: this window's end will never be reported
        this.evict(id);
      }
    }
  }

  /** Closes every open window now, with the repeats so far (shutdown, reload of the cache settings). */
  flush(nowNs: bigint): void {
    for (const [id, p] of this.pending) {
      const current = this.options.read(p.folding.foldKey);
      if (current !== undefined && current.windowStartNs === p.folding.fold.windowStartNs) this.close(id, p, current, nowNs);
      else this.evict(id);
    }
  }

  stats(): FoldStats {
    return { pending: this.pending.size, ...this.counts };
  }

  private evict(id: string): void {
    this.pending.delete(id);
    this.counts.closed++;
    this.counts.evicted++;
  }

  private close(id: string, p: Pending<E>, totals: FoldCounts, nowNs: bigint): void {
    this.pending.delete(id);
    this.counts.closed++;
    const own = p.folding.fold;
    // the window's totals include the first occurrence (a failed UDP send counts in b, not count)
    const [count, a, b] = [totals.count - own.count, totals.a - own.a, totals.b - own.b];
    if (count === 0n && a === 0n && b === 0n) return;
    this.counts.summarized++;
    const windowNs = this.options.windowNs(p.first);
    const windowEnd = own.windowStartNs + windowNs;
    const repeat: RepeatSummary = { count, a, b, firstTimeUnixNs: p.firstTimeUnixNs, windowMs: Number(windowNs / 1_000_000n) };
    // stamped at the window's end, or now when a window is closed early
    this.options.emit({ ...p.first, ktimeNs: windowEnd < nowNs ? windowEnd : nowNs, repeat });
  }
}
