// Closes fold windows. For a folded kind (UDP datagrams always; TCP
// connect/accept/close when the redundancy cache is on) the kernel emits the
// first occurrence of each window and counts the rest in its LRU "folds"
// map. This holds that first occurrence until its window is over and then
// emits ONE record carrying the window's totals, read from the kernel's map,
// or from the fold-end record the kernel emits when a later occurrence
// reopens the key first.
import type { FoldCounts, FoldEndEvent, Foldable } from '../events';

export interface FoldStats {
  pending: number;
  /** windows closed with totals */
  closed: number;
  /** windows whose key the kernel's LRU evicted: emitted, flagged incomplete */
  evicted: number;
}

export interface FoldsOptions<E> {
  /** the window of an occurrence (UDP flows and the TCP cache have their own) */
  windowNs(ev: E): bigint;
  /** how long after a window's end its totals are read, for in-flight occurrences to land */
  graceNs: bigint;
  /** reads the kernel's current totals for a key, undefined when absent */
  read(key: Buffer): FoldCounts | undefined;
  /** receives each closed window: the first occurrence, its folding carrying the totals */
  emit(record: E): void;
}

interface Pending<E> {
  first: E;
  folding: Foldable;
  /** set when the kernel's map already holds a newer window: wait for the fold-end record */
  awaitingEndSince?: bigint;
}

function pendingId(key: Buffer, windowStart: bigint): string {
  return `${key.toString('hex')}/${windowStart}`;
}

export class Folds<E extends { folding?: Foldable }> {
  private readonly pending = new Map<string, Pending<E>>();
  private readonly counts = { closed: 0, evicted: 0 };

  constructor(private readonly options: FoldsOptions<E>) {}

  /** Holds the first occurrence of a window. */
  hold(ev: E): void {
    const folding = ev.folding!;
    this.pending.set(pendingId(folding.foldKey, folding.fold.windowStartNs), { first: ev, folding });
  }

  /** A window the kernel closed because a later occurrence reopened its key. */
  end(ev: FoldEndEvent): void {
    const id = pendingId(ev.foldKey, ev.fold.windowStartNs);
    const p = this.pending.get(id);
    // nothing pending: it was closed from the map already (same totals) or at shutdown
    if (p) this.close(id, p, ev.fold, false);
  }

  /** Closes every window that ended before nowNs (CLOCK_BOOTTIME). */
  sweep(nowNs: bigint): void {
    const { graceNs } = this.options;
    for (const [id, p] of this.pending) {
      const start = p.folding.fold.windowStartNs;
      if (nowNs < start + this.options.windowNs(p.first) + graceNs) continue;
      const current = this.options.read(p.folding.foldKey);
      if (current && current.windowStartNs === start) {
        this.close(id, p, current, false);
      } else if (!current) {
        this.counts.evicted++;
        this.close(id, p, p.folding.fold, true);
      } else if (p.awaitingEndSince === undefined) {
        p.awaitingEndSince = nowNs;
      } else if (nowNs - p.awaitingEndSince >= graceNs) {
        // evicted and reopened: this window's end will never be reported
        this.counts.evicted++;
        this.close(id, p, p.folding.fold, true);
      }
    }
  }

  /** Closes every open window now, with the totals so far (shutdown, reload of the cache settings). */
  flush(): void {
    for (const [id, p] of this.pending) {
      const current = this.options.read(p.folding.foldKey);
      const complete = current !== undefined && current.windowStartNs === p.folding.fold.windowStartNs;
      if (!complete) this.counts.evicted++;
      this.close(id, p, complete ? current : p.folding.fold, !complete);
    }
  }

  stats(): FoldStats {
    return { pending: this.pending.size, ...this.counts };
  }

  private close(id: string, p: Pending<E>, totals: FoldCounts, incomplete: boolean): void {
    this.pending.delete(id);
    this.counts.closed++;
    const folding: Foldable = {
      foldKey: p.folding.foldKey,
      fold: { ...totals, windowStartNs: p.folding.fold.windowStartNs },
      ...(incomplete ? { incomplete } : {}),
    };
    this.options.emit({ ...p.first, folding });
  }
}
