// The io_uring peer, compiled once per test file against Debian's liburing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

let dir: string | undefined;

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

export function uringPeer(): string {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'bpfaudit-uring-'));
    execFileSync('cc', ['-O2', '-Wall', '-o', join(dir, 'uring_peer'), join(__dirname, 'peers', 'uring_peer.c'), '-luring']);
  }
  return join(dir, 'uring_peer');
}
