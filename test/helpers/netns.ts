// Network namespaces made by a test, with only loopback up, removed after.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';

export class NetNs {
  readonly name: string;

  constructor(prefix = 'bpfaudit-test') {
    this.name = `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
    execFileSync('ip', ['netns', 'add', this.name]);
    execFileSync('ip', ['-n', this.name, 'link', 'set', 'lo', 'up']);
  }

  /** The namespace's inode, as the kernel reports it in ns.inum. */
  get inode(): number {
    return Number(statSync(`/run/netns/${this.name}`).ino);
  }

  /** argv that runs a program inside the namespace */
  wrap(argv: string[]): string[] {
    return ['ip', 'netns', 'exec', this.name, ...argv];
  }

  remove(): void {
    execFileSync('ip', ['netns', 'delete', this.name]);
  }
}
