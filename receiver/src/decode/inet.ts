// Address formatting for decoded sockets (RFC 5952 for IPv6).

/**
 * A host talks to few addresses, each in many records: their text is kept
 * (up to 4,096, then started afresh) rather than built, as two strings, for
 * every record.
 */
const ipv4Names = new Map<number, string>();
const IPV4_NAMES_MAX = 4096;

export function formatIPv4(buf: Buffer, at: number): string {
  const key = buf.readUInt32BE(at);
  let name = ipv4Names.get(key);
  if (name === undefined) {
    name = `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
    if (ipv4Names.size >= IPV4_NAMES_MAX) ipv4Names.clear();
    ipv4Names.set(key, name);
  }
  return name;
}

/** IPv4-mapped addresses (::ffff:a.b.c.d) come back as the plain IPv4 address. */
export function formatIPv6(buf: Buffer, at: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(buf.readUInt16BE(at + i * 2));
  if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0 && words[5] === 0xffff) {
    return formatIPv4(buf, at + 12);
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

export function isIPv4Mapped(buf: Buffer, at: number): boolean {
  for (let i = 0; i < 10; i++) if (buf[at + i] !== 0) return false;
  return buf[at + 10] === 0xff && buf[at + 11] === 0xff;
}
