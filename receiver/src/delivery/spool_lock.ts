// One receiver per spool directory: two senders on one spool would send
// every batch twice and race over deletions. The lock is a file naming the
// holder's pid and start time (so a reused pid is not mistaken for it); a
// holder that died (kill -9, crash) leaves a stale lock, which is taken over.
// A process may hold the same lock more than once (a reload builds the new
// exporters before the old ones shut down).
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTicks } from '../host_files';

export class SpoolLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holderPid: number,
  ) {
    super(`spool ${dir} is in use by another bpfaudit (pid ${holderPid}); give each receiver its own spool.dir`);
    this.name = 'SpoolLockedError';
  }
}

const held = new Map<string, number>();

const ME = `${process.pid} ${startTicks(process.pid)}\n`;

/** Takes the lock of `dir`; returns its release. Throws SpoolLockedError while a live process holds it. */
export function lockSpool(dir: string): () => void {
  const file = join(dir, 'lock');
  const count = held.get(file) ?? 0;
  if (count === 0) {
    for (;;) {
      try {
        writeFileSync(file, ME, { flag: 'wx', mode: 0o600 });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const [pid, started] = readFileSync(file, 'utf8').trim().split(' ');
      if (Number(pid) !== process.pid && String(startTicks(Number(pid))) === started) throw new SpoolLockedError(dir, Number(pid));
      unlinkSync(file); // stale: its holder is gone
    }
  }
  held.set(file, count + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = held.get(file)! - 1;
    if (left > 0) return void held.set(file, left);
    held.delete(file);
    unlinkSync(file);
  };
}
