// The bounded caches evict in insertion order: BoundedMap through an iterator
// kept across evictions, PidMap through a list in typed arrays. Both are
// checked against a plain model of the same rules under random sets, deletes
// and reads, at capacities that make V8 compact its table and make PidMap
// grow, evict and shift its probe runs.
import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../receiver/src/bounded_map';
import { PidMap } from '../../receiver/src/pid_map';

/** The rules, kept in an array: a set key moves to the end; past capacity the front goes. */
class Model {
  keys: number[] = [];
  values = new Map<number, number>();
  constructor(readonly capacity: number) {}
  setNewest(k: number, v: number): void {
    this.delete(k);
    this.keys.push(k);
    this.values.set(k, v);
    while (this.keys.length > this.capacity) this.values.delete(this.keys.shift()!);
  }
  delete(k: number): void {
    const i = this.keys.indexOf(k);
    if (i >= 0) this.keys.splice(i, 1);
    this.values.delete(k);
  }
}

/** a small deterministic generator, so a failure repeats */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const MAPS = [
  ['BoundedMap', (capacity: number) => new BoundedMap<number, number>(capacity)],
  ['PidMap', (capacity: number) => new PidMap<number>(capacity)],
] as const;

describe.each(MAPS)('%s', (_name, make) => {
  it('keeps the newest entries, a key set again counting as new', () => {
    const m = make(3);
    m.setNewest(1, 1);
    m.setNewest(2, 2);
    m.setNewest(3, 3);
    m.setNewest(1, 4);
    m.setNewest(4, 5);
    expect(m.get(2)).toBeUndefined();
    expect([m.get(1), m.get(3), m.get(4), m.size]).toEqual([4, 3, 5, 3]);
    m.delete(3);
    m.setNewest(5, 6);
    m.setNewest(6, 7);
    expect([m.get(1), m.get(4), m.get(5), m.get(6), m.size]).toEqual([undefined, 5, 6, 7, 3]);
  });

  it.each([1, 7, 64, 1000])('agrees with the rules under random sets and deletes (capacity %i)', (capacity) => {
    const random = lcg(capacity);
    const m = make(capacity);
    const model = new Model(capacity);
    const range = capacity * 3;
    for (let i = 0; i < 20_000; i++) {
      const k = Math.floor(random() * range);
      if (random() < 0.2) {
        m.delete(k);
        model.delete(k);
      } else {
        m.setNewest(k, i);
        model.setNewest(k, i);
      }
      if (i % 97 === 0) {
        expect(m.size).toBe(model.keys.length);
        for (let j = 0; j < range; j++) expect(m.get(j)).toBe(model.values.get(j));
      }
    }
  });

  it('goes on evicting after the map was emptied and filled again', () => {
    const m = make(2);
    for (let k = 0; k < 5; k++) m.setNewest(k, k);
    m.delete(3);
    m.delete(4);
    for (let k = 10; k < 15; k++) m.setNewest(k, k);
    expect([m.size, m.get(13), m.get(14), m.get(12)]).toEqual([2, 13, 14, undefined]);
  });
});

describe('BoundedMap', () => {
  it('takes any key, as Map does', () => {
    const m = new BoundedMap<string, number>(2);
    m.setNewest('a', 1);
    m.setNewest('b', 2);
    m.setNewest('c', 3);
    expect([m.get('a'), m.get('b'), m.get('c')]).toEqual([undefined, 2, 3]);
  });
});

describe('PidMap', () => {
  it('finds pids that share a probe run after others in it were deleted, across the whole u32 range', () => {
    const random = lcg(99);
    const m = new PidMap<number>(5000);
    const model = new Map<number, number>();
    // pids that collide: multiples of a large power of two land in few buckets
    const pids = [...Array.from({ length: 2000 }, (_, i) => i * 65536), ...Array.from({ length: 2000 }, () => Math.floor(random() * 2 ** 32))];
    for (const [i, pid] of pids.entries()) {
      m.setNewest(pid, i);
      model.set(pid, i);
    }
    for (const [i, pid] of pids.entries()) {
      if (i % 3 === 0) {
        m.delete(pid);
        model.delete(pid);
      }
    }
    expect(m.size).toBe(model.size);
    for (const pid of pids) expect(m.get(pid)).toBe(model.get(pid));
    expect(m.get(2 ** 32 - 1)).toBe(model.get(2 ** 32 - 1));
  });

  it('refuses a capacity below one', () => {
    expect(() => new PidMap(0)).toThrow(RangeError);
  });
});
