// The lines of a file, plain or gzip (by its magic bytes, whatever its
// name), streamed in large chunks: constant memory whatever the size, and
// the caller sees each line as a slice of the chunk, decoded only if wanted.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(2);
    return readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

function open(path: string): Readable {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (!isGzip(path)) return raw;
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

/**
 * Calls onLine for every line (without its newline) with its 1-based number;
 * returning false stops the reading. afterChunk is awaited between chunks
 * (to write out what a chunk matched). Resolves with the bytes read (uncompressed).
 */
export async function eachLine(
  path: string,
  onLine: (buf: Buffer, start: number, end: number, lineNo: number) => boolean | void,
  afterChunk?: () => Promise<void>,
): Promise<number> {
  let rest: Buffer | undefined;
  let lineNo = 0;
  let bytes = 0;
  const stream = open(path);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      if (onLine(buf, start, nl, ++lineNo) === false) {
        stream.destroy();
        return bytes;
      }
      start = nl + 1;
    }
    rest = start < buf.length ? buf.subarray(start) : undefined;
    await afterChunk?.();
  }
  if (rest?.length) onLine(rest, 0, rest.length, ++lineNo);
  return bytes;
}
