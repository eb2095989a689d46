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

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** seconds since 1970 up to the year 9999, as YYYY-MM-DDTHH:MM:SS (the proleptic Gregorian calendar, days counted from 0000-03-01) */
function civilSeconds(sec: number): string {
  const days = Math.floor(sec / 86400);
  const inDay = sec - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const m5 = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * m5 + 2) / 5) + 1;
  const month = m5 < 10 ? m5 + 3 : m5 - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${two(month)}-${two(day)}T${two(Math.floor(inDay / 3600))}:${two(Math.floor(inDay / 60) % 60)}:${two(inDay % 60)}`;
}

const YEAR_10000 = 253_402_300_800;
let lastSecond = NaN;
let lastBase = '';

/**
 * RFC 3339 UTC with nanoseconds: 2026-11-21T12:00:00.123456789Z. Every
 * record's time and every process's creation time goes through here: the
 * date is worked out by arithmetic (Date#toISOString cost several times as
 * much) and kept for the next call in the same second.
 */
export function formatRfc3339Ns(ns: bigint): string {
  const sec = Number(ns / NS);
  const frac = `${Number(ns - BigInt(sec) * NS)}`.padStart(9, '0');
  if (sec !== lastSecond) {
    lastBase = sec >= 0 && sec < YEAR_10000 ? civilSeconds(sec) : new Date(sec * 1000).toISOString().slice(0, -5);
    lastSecond = sec;
  }
  return `${lastBase}.${frac}Z`;
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
