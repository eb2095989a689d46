// Node 24's Buffer.from of a few bytes is a slice of a shared 64 KiB pool
// slab, and the slice keeps the whole slab alive. Bytes that are kept (fold
// keys for a window, the encoder's cached fields) get a buffer of their own:
// as pool slices, 190 pending fold keys held 12 MiB at the cache-off peak.
export function ownCopy(bytes: Uint8Array): Buffer {
  const own = Buffer.allocUnsafeSlow(bytes.length);
  own.set(bytes);
  return own;
}
