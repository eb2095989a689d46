// The io_uring peer, compiled once per test run against Debian's liburing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let built: string | undefined;

export function uringPeer(): string {
  if (built) return built;
  const out = join(mkdtempSync(join(tmpdir(), 'bpfaudit-uring-')), 'uring_peer');
  execFileSync('cc', ['-O2', '-Wall', '-o', out, join(__dirname, 'peers', 'uring_peer.c'), '-luring']);
  built = out;
  return out;
}
