// The running binary of a pid for events that do not carry it (TCP): learnt
// from exec records, or read once from /proc for processes older than the
// sensor. Bounded, oldest entries go first.
import { readdirSync, readlinkSync } from 'node:fs';

export class Executables {
  private readonly paths = new Map<number, string | null>();

  constructor(private readonly capacity = 16384) {}

  /** Reads the binary of every running process (before privileges are dropped, /proc/<pid>/exe of others is readable). */
  seed(): void {
    for (const name of readdirSync('/proc')) {
      if (/^\d+$/.test(name)) this.path(Number(name));
    }
  }

  learn(pid: number, path: string): void {
    this.paths.delete(pid);
    this.paths.set(pid, path);
    this.trim();
  }

  forget(pid: number): void {
    this.paths.delete(pid);
  }

  path(pid: number): string | undefined {
    let p = this.paths.get(pid);
    if (p === undefined) {
      try {
        p = readlinkSync(`/proc/${pid}/exe`);
      } catch {
        p = null;
      }
      this.paths.set(pid, p);
      this.trim();
    }
    return p ?? undefined;
  }

  private trim(): void {
    while (this.paths.size > this.capacity) {
      const oldest = this.paths.keys().next().value as number;
      this.paths.delete(oldest);
    }
  }
}
