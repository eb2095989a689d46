// The bounded caches evict in insertion order through an iterator kept across
// evictions: checked against a plain model of the same rules under random
// sets, deletes and reads, at capacities that make V8 compact its table.
import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../receiver/src/bounded_map';

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

describe('BoundedMap', () => {
  it('keeps the newest entries, a key set again counting as new', () => {
    const m = new BoundedMap<string, number>(3);
    m.setNewest('a', 1);
    m.setNewest('b', 2);
    m.setNewest('c', 3);
    m.setNewest('a', 4);
    m.setNewest('d', 5);
    expect(m.get('b')).toBeUndefined();
    expect([m.get('a'), m.get('c'), m.get('d'), m.size]).toEqual([4, 3, 5, 3]);
    m.delete('c');
    m.setNewest('e', 6);
    m.setNewest('f', 7);
    expect([m.get('a'), m.get('d'), m.get('e'), m.get('f'), m.size]).toEqual([undefined, 5, 6, 7, 3]);
  });

  it.each([1, 7, 64, 1000])('agrees with the rules under random sets and deletes (capacity %i)', (capacity) => {
    const random = lcg(capacity);
    const m = new BoundedMap<number, number>(capacity);
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
    const m = new BoundedMap<number, number>(2);
    for (let k = 0; k < 5; k++) m.setNewest(k, k);
    m.delete(3);
    m.delete(4);
    for (let k = 10; k < 15; k++) m.setNewest(k, k);
    expect([m.size, m.get(13), m.get(14), m.get(12)]).toEqual([2, 13, 14, undefined]);
  });
});
