// BPF timestamps are CLOCK_BOOTTIME; records carry wall-clock time. The
// offset is re-read periodically so NTP steps and suspend are followed.
import type { HrTime } from '@opentelemetry/api';

export interface BootClock {
  /** CLOCK_REALTIME - CLOCK_BOOTTIME, ns */
  offsetNs(): bigint;
}

const NS = 1_000_000_000n;

export function toUnixNs(ktimeNs: bigint, clock: BootClock): bigint {
  return ktimeNs + clock.offsetNs();
}

export function nsToHrTime(ns: bigint): HrTime {
  return [Number(ns / NS), Number(ns % NS)];
}

export function hrTimeToNs(t: HrTime): bigint {
  return BigInt(t[0]) * NS + BigInt(t[1]);
}

/** RFC 3339 UTC with nanoseconds: 2026-11-21T12:00:00.123456789Z */
export function formatRfc3339Ns(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = (ns % NS).toString().padStart(9, '0');
  return `${base}.${frac}Z`;
}

/** A clock backed by a native offset reader, refreshed at most every refreshMs. */
export function cachedBootClock(read: () => bigint, refreshMs = 1000): BootClock {
  let value = read();
  let at = Date.now();
  return {
    offsetNs() {
      const now = Date.now();
      if (now - at >= refreshMs) {
        value = read();
        at = now;
      }
      return value;
    },
  };
}
