// Closes UDP flow windows. The kernel emits the first datagram of each
// window (process, direction, remote end) and counts the rest in its LRU
// flow map; this holds that first datagram until its window is over and
// then emits ONE record carrying the window's totals, read from the
// kernel's map, or from the flow-end record the kernel emits when a later
// datagram reopens the flow first.
import type { UdpEvent, UdpFlowCounts } from '../events';

export interface UdpFlowStats {
  pending: number;
  /** windows closed with totals from the kernel */
  closed: number;
  /** windows whose flow was evicted from the kernel's LRU map: emitted, flagged incomplete */
  evicted: number;
}

export interface UdpFlowOptions {
  windowNs: bigint;
  /** how long after a window's end its totals are read, for in-flight datagrams to land */
  graceNs: bigint;
  /** reads the kernel's current totals for a flow key, undefined when absent */
  read(key: Buffer): UdpFlowCounts | undefined;
  /** receives each closed window: the first datagram with flow = the window's totals */
  emit(record: UdpEvent): void;
}

interface Pending {
  first: UdpEvent;
  /** set when the kernel's map already holds a newer window: wait for the flow-end record */
  awaitingEndSince?: bigint;
}

function pendingId(key: Buffer, windowStart: bigint): string {
  return `${key.toString('hex')}/${windowStart}`;
}

export class UdpFlows {
  private readonly pending = new Map<string, Pending>();
  private readonly counts = { closed: 0, evicted: 0 };

  constructor(private readonly options: UdpFlowOptions) {}

  /** Takes udp.send, udp.receive and udp.flow_end events. */
  onEvent(ev: UdpEvent): void {
    const id = pendingId(ev.flowKey, ev.flow.windowStartNs);
    if (ev.kind === 'udp.flow_end') {
      const p = this.pending.get(id);
      // no pending window: it was closed from the map already (same totals) or at shutdown
      if (p) this.close(id, p, ev.flow, false);
      return;
    }
    this.pending.set(id, { first: ev });
  }

  /** Closes every window that ended before nowNs (CLOCK_BOOTTIME). */
  sweep(nowNs: bigint): void {
    const { windowNs, graceNs } = this.options;
    for (const [id, p] of this.pending) {
      const start = p.first.flow.windowStartNs;
      if (nowNs < start + windowNs + graceNs) continue;
      const current = this.options.read(p.first.flowKey);
      if (current && current.windowStartNs === start) {
        this.close(id, p, current, false);
      } else if (!current) {
        this.counts.evicted++;
        this.close(id, p, p.first.flow, true);
      } else if (p.awaitingEndSince === undefined) {
        p.awaitingEndSince = nowNs;
      } else if (nowNs - p.awaitingEndSince >= graceNs) {
        // the flow was evicted and reopened: this window's end will never be reported
        this.counts.evicted++;
        this.close(id, p, p.first.flow, true);
      }
    }
  }

  /** Closes every open window now, with the totals so far (shutdown). */
  flush(): void {
    for (const [id, p] of this.pending) {
      const current = this.options.read(p.first.flowKey);
      const complete = current !== undefined && current.windowStartNs === p.first.flow.windowStartNs;
      if (!complete) this.counts.evicted++;
      this.close(id, p, complete ? current : p.first.flow, !complete);
    }
  }

  stats(): UdpFlowStats {
    return { pending: this.pending.size, ...this.counts };
  }

  private close(id: string, p: Pending, totals: UdpFlowCounts, incomplete: boolean): void {
    this.pending.delete(id);
    this.counts.closed++;
    this.options.emit({ ...p.first, flow: { ...totals, windowStartNs: p.first.flow.windowStartNs }, ...(incomplete ? { incomplete } : {}) });
  }
}
