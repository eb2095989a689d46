// The receiver's caches keyed by pid (or set name) are Maps bounded by
// insertion order: a key set again becomes the newest, and past the
// capacity the oldest goes. Map keeps insertion order, so no list is needed.

/** Sets key to value as the newest entry, dropping the oldest ones beyond capacity. */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, capacity: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > capacity) map.delete(map.keys().next().value as K);
}
