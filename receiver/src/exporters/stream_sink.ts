// stdout as a line sink. A closed or broken stdout (EPIPE) does not come
// back, so its errors are final: the processor counts the batch as failed.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Chunk, LineSink } from './line_sink';

export class StreamSink implements LineSink {
  private failure: Error | undefined;

  constructor(private readonly out: Writable) {
    out.on('error', (e) => (this.failure = e));
  }

  async write(chunk: Chunk): Promise<void> {
    if (this.failure) throw this.failure;
    const rest = chunk.bytes.subarray(chunk.written);
    chunk.written = chunk.bytes.length;
    // honour the stream's backpressure before reporting the batch as written
    if (!this.out.write(rest)) await once(this.out, 'drain');
  }

  async close(): Promise<void> {}
}
