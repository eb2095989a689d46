// The receiver's caches keyed by pid, bounded and evicting as BoundedMap
// does (a key set again becomes the newest; past the capacity the oldest
// goes), in typed arrays that are allocated only as the map grows. A Map
// that lives long enough sits in V8's old generation, and every rehash of
// its table (which churn causes: a process added at exec, deleted at exit)
// allocates the new table there too: in the bench, pid caches made three
// quarters of what reached the old generation (51 of 69 bytes a record), and
// with it most of the full collections.
//
// Slots hold the entries; a doubly linked list through them keeps their age,
// and its forward link chains free slots. An open-addressing index (linear
// probing, Fibonacci hashing, deletion by shifting back: no tombstones to
// clear) maps a pid to its slot.

const NONE = -1;
const INITIAL_SLOTS = 64;
const GOLDEN = 0x9e3779b1;

export class PidMap<V> {
  private keys = new Uint32Array(0);
  private values: (V | undefined)[] = [];
  private older = new Int32Array(0);
  /** toward the newest entry; for a free slot, the next free one */
  private newer = new Int32Array(0);
  private index = new Int32Array(0);
  /** 32 minus log2 of the index's length: the hash's top bits pick a bucket */
  private shift = 32;
  private oldest = NONE;
  private newest = NONE;
  private free = NONE;
  /** slots handed out so far, free or not */
  private used = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`a pid map holds at least one entry, not ${capacity}`);
    this.grow(Math.min(capacity, INITIAL_SLOTS));
  }

  get size(): number {
    return this.count;
  }

  get(pid: number): V | undefined {
    const b = this.bucketOf(pid);
    return b === NONE ? undefined : this.values[this.index[b]];
  }

  delete(pid: number): void {
    const b = this.bucketOf(pid);
    if (b !== NONE) this.remove(b);
  }

  /** Sets pid to value as the newest entry, dropping the oldest one beyond capacity. */
  setNewest(pid: number, value: V): void {
    const b = this.bucketOf(pid);
    if (b !== NONE) {
      const s = this.index[b];
      this.values[s] = value;
      this.unlink(s);
      this.append(s);
      return;
    }
    if (this.count >= this.capacity) this.remove(this.bucketOf(this.keys[this.oldest]));
    const s = this.slot();
    this.keys[s] = pid;
    this.values[s] = value;
    this.append(s);
    this.place(s);
    this.count++;
  }

  private home(pid: number): number {
    return Math.imul(pid, GOLDEN) >>> this.shift;
  }

  private bucketOf(pid: number): number {
    const mask = this.index.length - 1;
    for (let b = this.home(pid); ; b = (b + 1) & mask) {
      const s = this.index[b];
      if (s === NONE) return NONE;
      if (this.keys[s] === pid) return b;
    }
  }

  private place(s: number): void {
    const mask = this.index.length - 1;
    let b = this.home(this.keys[s]);
    while (this.index[b] !== NONE) b = (b + 1) & mask;
    this.index[b] = s;
  }

  /** Empties bucket `hole`, moving later entries of its probe run back so every lookup still finds them. */
  private remove(hole: number): void {
    const s = this.index[hole];
    const mask = this.index.length - 1;
    for (let b = (hole + 1) & mask; this.index[b] !== NONE; b = (b + 1) & mask) {
      const home = this.home(this.keys[this.index[b]]);
      // an entry may move back to the hole unless its home lies after the hole, up to where it is
      const stays = hole <= b ? hole < home && home <= b : hole < home || home <= b;
      if (stays) continue;
      this.index[hole] = this.index[b];
      hole = b;
    }
    this.index[hole] = NONE;
    this.unlink(s);
    this.values[s] = undefined;
    this.newer[s] = this.free;
    this.free = s;
    this.count--;
  }

  private slot(): number {
    if (this.free !== NONE) {
      const s = this.free;
      this.free = this.newer[s];
      return s;
    }
    if (this.used === this.keys.length) this.grow(Math.min(this.capacity, this.keys.length * 2));
    return this.used++;
  }

  private append(s: number): void {
    this.older[s] = this.newest;
    this.newer[s] = NONE;
    if (this.newest !== NONE) this.newer[this.newest] = s;
    else this.oldest = s;
    this.newest = s;
  }

  private unlink(s: number): void {
    const o = this.older[s];
    const n = this.newer[s];
    if (o !== NONE) this.newer[o] = n;
    else this.oldest = n;
    if (n !== NONE) this.older[n] = o;
    else this.newest = o;
  }

  /** Room for `slots` entries, the index kept at most half full. */
  private grow(slots: number): void {
    const keys = new Uint32Array(slots);
    keys.set(this.keys);
    this.keys = keys;
    const older = new Int32Array(slots);
    older.set(this.older);
    this.older = older;
    const newer = new Int32Array(slots);
    newer.set(this.newer);
    this.newer = newer;
    this.values.length = slots;
    let buckets = 2;
    while (buckets < 2 * slots) buckets *= 2;
    this.shift = 32 - Math.log2(buckets);
    this.index = new Int32Array(buckets).fill(NONE);
    for (let s = this.oldest; s !== NONE; s = this.newer[s]) this.place(s);
  }
}
