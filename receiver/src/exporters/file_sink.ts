// A log file as a line sink. Opened (directory 0750 and file 0640 created if
// missing) when the exporter is built, which is before the privilege drop,
// so a path that cannot be opened stops the start-up. Before each batch the
// path is compared with the open file: when logrotate (or anyone) moved or
// removed it, the path is opened anew, as the user the receiver runs as by
// then; SIGUSR1 asks for the same at once. Write failures (a full disk, a
// missing directory) are retryable: the batch is held, not dropped.
import { closeSync, constants, fstatSync, openSync, statSync, write } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { RetryableExportError } from '../delivery/retryable';
import { mkdirPrivate } from '../private_dir';
import type { Chunk, LineSink } from './line_sink';

const writeAsync = promisify(write);
const FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT; // libuv adds O_CLOEXEC

function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code} (${err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')})` : String(err.message ?? e);
}

export class FileSink implements LineSink {
  private fd: number | undefined;
  private reopenAsked = false;

  /** Throws, naming the path and the reason, when the file cannot be opened. */
  constructor(readonly path: string) {
    try {
      this.fd = this.open();
    } catch (e) {
      throw new Error(`cannot open ${path}: ${describe(e)}`);
    }
  }

  private open(): number {
    mkdirPrivate(dirname(this.path), 0o750);
    return openSync(this.path, FLAGS, 0o640);
  }

  /** Opens the path anew before the next write (after a rotation). */
  reopen(): void {
    this.reopenAsked = true;
  }

  /** Whether the path still names the open file. */
  private current(fd: number): boolean {
    try {
      const [open, named] = [fstatSync(fd), statSync(this.path)];
      return open.ino === named.ino && open.dev === named.dev;
    } catch {
      return false;
    }
  }

  private ensureOpen(): number {
    if (this.fd !== undefined && !this.reopenAsked && this.current(this.fd)) return this.fd;
    let fd: number;
    try {
      fd = this.open();
    } catch (e) {
      throw new RetryableExportError(`cannot open ${this.path}: ${describe(e)}`, { cause: e });
    }
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = fd;
    this.reopenAsked = false;
    return fd;
  }

  async write(chunk: Chunk): Promise<void> {
    const fd = this.ensureOpen();
    while (chunk.written < chunk.bytes.length) {
      try {
        chunk.written += (await writeAsync(fd, chunk.bytes, chunk.written, chunk.bytes.length - chunk.written, null)).bytesWritten;
      } catch (e) {
        throw new RetryableExportError(`cannot write ${this.path}: ${describe(e)}`, { cause: e });
      }
    }
  }

  async close(): Promise<void> {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
