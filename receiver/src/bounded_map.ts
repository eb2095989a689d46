// Caches that are not keyed by pid (ipset set names; a batch's process
// parts) are Maps bounded by insertion order: a key set again becomes the
// newest, and past the capacity the oldest goes. Map keeps insertion order,
// so no list is needed. Long-lived pid caches, which churn with every
// process, are PidMaps instead (pid_map.ts says why).
//
// The oldest key is read through one iterator kept across evictions. A new
// `keys().next()` per eviction starts at the front of V8's table and steps
// over every entry deleted since the table was last compacted, up to half
// its capacity: at a full 65,536-entry cache one eviction cost 16 µs, 350
// times an insertion. The kept iterator steps over each deleted entry once.

export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  /** positioned after every key evicted so far: what it yields next is the oldest key */
  private oldest: Iterator<K> | undefined;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  /** Sets key to value as the newest entry, dropping the oldest ones beyond capacity. */
  setNewest(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) this.map.delete(this.oldestKey());
  }

  private oldestKey(): K {
    let next = this.oldest?.next();
    // live keys follow its position while the map is over capacity, so it cannot have ended; were it to,
    // an ended iterator stays ended and this loop would never stop: a fresh one starts at the live front
    if (!next || next.done) {
      this.oldest = this.map.keys();
      next = this.oldest.next();
    }
    return next.value as K;
  }
}
