import { describe, expect, it } from 'vitest';
import { formatRfc3339Ns } from '../../receiver/src/enrich/clock';

/** What the formatter must agree with: the platform's own calendar, and the nanoseconds as digits. */
function byDate(ns: bigint): string {
  const base = new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19);
  return `${base}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

describe('formatRfc3339Ns', () => {
  it("agrees with the platform's calendar on every day from 1970 to 2500, at a different second of each", () => {
    const mismatches: string[] = [];
    for (let day = 0; day < 530 * 366; day++) {
      const sec = day * 86400 + ((day * 7919) % 86400);
      const ns = BigInt(sec) * 1_000_000_000n + BigInt((day * 104729) % 1_000_000_000);
      if (formatRfc3339Ns(ns) !== byDate(ns)) mismatches.push(`${formatRfc3339Ns(ns)} != ${byDate(ns)}`);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('gets the edges right: leap days, century years, the end of a day, the epoch', () => {
    for (const iso of ['1970-01-01T00:00:00Z', '2000-02-29T23:59:59Z', '2100-02-28T23:59:59Z', '2100-03-01T00:00:00Z', '2400-02-29T12:00:00Z', '2026-12-31T23:59:59Z']) {
      const ns = BigInt(Date.parse(iso)) * 1_000_000n + 999_999_999n;
      expect(formatRfc3339Ns(ns)).toBe(byDate(ns));
    }
    expect(formatRfc3339Ns(0n)).toBe('1970-01-01T00:00:00.000000000Z');
  });

  it('gives each call its own nanoseconds within one second, and a new second its own date', () => {
    const s = BigInt(Date.parse('2026-11-22T06:30:15Z')) * 1_000_000n;
    expect([s + 5n, s + 123_456_789n, s + 1_000_000_000n].map(formatRfc3339Ns)).toEqual([
      '2026-11-22T06:30:15.000000005Z',
      '2026-11-22T06:30:15.123456789Z',
      '2026-11-22T06:30:16.000000000Z',
    ]);
  });
});
