// process.entity_id: a name for one program run (pid, start, exec
// generation) that no other process on any host shares and that every
// record of it, every exporter and every restart of the receiver agree on.
// It is derived, not counted: a hash of the host (machine id), the boot
// (boot id: pids and start times begin again after a reboot), and what the
// kernel says of the process.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

function readTrimmed(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The host and boot every id is derived under; read once (both files are world-readable). */
export function hostBootSeed(): string {
  return `${readTrimmed('/etc/machine-id')}/${readTrimmed('/proc/sys/kernel/random/boot_id')}`;
}

export class EntityIds {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly seed: string,
    private readonly capacity = 65536,
  ) {}

  /** 32 hex digits: the first 128 bits of SHA-256(seed, pid, start, exec generation). */
  of(pid: number, startNs: bigint, execId: bigint): string {
    const key = `${pid}:${startNs}:${execId}`;
    let id = this.cache.get(key);
    if (id === undefined) {
      id = createHash('sha256').update(`${this.seed}:${key}`).digest('hex').slice(0, 32);
      if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, id);
    }
    return id;
  }
}
