// Closes each inbound window: moves the kernel's counting to the next
// window, then drains the closed one into summary and alert records.
import { statSync } from 'node:fs';
import type { InboundConfig } from '../config/types';
import { Counter } from '../decode/layout';
import type { AuditLogRecord } from '../mapping/event_to_logrecord';
import type { Sensor } from '../native/sensor';
import { crossedRules } from './inbound_alerts';
import { decodeInboundSource } from './inbound_counts';
import { inboundAlert, inboundSummary } from './inbound_to_logrecord';
import type { TcxAttacher } from './tcx_attacher';

/** A program that read the old window number before the switch has finished long before this. */
const GRACE_MS = 50;

export interface InboundStats {
  windows: number;
  sources: number;
  summaries: number;
  alerts: number;
  /** sources the kernel's table dropped to make room before their window was drained */
  evicted: number;
  /** frames still VLAN-tagged at ingress (QinQ): passed on, not counted */
  vlanSkipped: number;
  interfaces: string[];
}

export interface InboundMonitorOptions {
  sensor: Sensor;
  attacher: TcxAttacher;
  /** read at every window's end, so reloaded thresholds apply from the next drain */
  config: () => InboundConfig;
  nowUnixNs: () => bigint;
  emit: (r: AuditLogRecord) => void;
  onError: (e: Error) => void;
}

const windowValue = (w: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(w >>> 0);
  return b;
};

export class InboundMonitor {
  private window = 0;
  private windowStart: bigint;
  private timer: NodeJS.Timeout | undefined;
  private draining = Promise.resolve();
  private readonly insertsSeen = [0, 0];
  private readonly netnsInode = statSync('/proc/self/ns/net').ino;
  private readonly stats = { windows: 0, sources: 0, summaries: 0, alerts: 0, evicted: 0 };

  constructor(private readonly o: InboundMonitorOptions) {
    this.windowStart = o.nowUnixNs();
  }

  start(): void {
    this.timer = setInterval(() => this.rotate(), this.o.config().window_seconds * 1000);
  }

  /** Closes the current window: the kernel counts into the next one, the closed one is drained shortly after. */
  private rotate(): Promise<void> {
    const closing = this.window;
    const start = this.windowStart;
    const end = this.o.nowUnixNs();
    try {
      this.o.sensor.update('inbound_window', windowValue(0), windowValue(closing + 1));
    } catch (e) {
      this.o.onError(e as Error);
      return this.draining;
    }
    this.window = closing + 1;
    this.windowStart = end;
    this.draining = this.draining.then(
      () => new Promise<void>((resolve) => setTimeout(() => {
        this.drain(closing, start, end);
        resolve();
      }, GRACE_MS)),
    );
    return this.draining;
  }

  private drain(window: number, start: bigint, end: bigint): void {
    try {
      const { sensor, attacher } = this.o;
      const config = this.o.config();
      const entries = sensor.takeWindow('inbound_sources', window);
      const parity = window & 1;
      const inserts = (sensor.counters().perCpu[Counter.COUNTER_INBOUND_NEW + parity] ?? []).reduce((a, b) => a + b, 0);
      this.stats.evicted += Math.max(0, inserts - this.insertsSeen[parity] - entries.length);
      this.insertsSeen[parity] = inserts;
      this.stats.windows++;
      const seconds = Number(end - start) / 1e9;
      for (const { key, value } of entries) {
        const s = decodeInboundSource(key, value);
        const w = { interfaceName: attacher.interfaceName(s.ifindex), netnsInode: this.netnsInode, startUnixNs: start, endUnixNs: end };
        this.stats.sources++;
        if (s.packets >= config.min_packets) {
          this.o.emit(inboundSummary(s, w));
          this.stats.summaries++;
        }
        const crossed = crossedRules(s, seconds, config.alerts);
        if (crossed.length) {
          this.o.emit(inboundAlert(s, w, crossed));
          this.stats.alerts++;
        }
      }
    } catch (e) {
      this.o.onError(e as Error);
    }
  }

  statistics(): InboundStats {
    let vlanSkipped = 0;
    try {
      vlanSkipped = (this.o.sensor.counters().perCpu[Counter.COUNTER_INBOUND_VLAN] ?? []).reduce((a, b) => a + b, 0);
    } catch {
      // the sensor is closed: the last figure was taken at stop
    }
    return { ...this.stats, vlanSkipped, interfaces: this.o.attacher.attached() };
  }

  /** Detaches (the helper ends) and drains the window in progress, so a stop loses nothing counted. */
  async stop(): Promise<InboundStats> {
    if (this.timer) clearInterval(this.timer);
    await this.o.attacher.stop();
    await this.rotate();
    return this.statistics();
  }
}
