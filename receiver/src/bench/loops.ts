// The benchmark's compiled workloads (c/loops.c), built once with the
// system compiler into a temporary directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../paths';

let built: string | undefined;

function loopsBinary(): string {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), 'bpfaudit-bench-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'loops');
  execFileSync('cc', ['-O2', '-o', out, join(projectRoot(), 'receiver', 'src', 'bench', 'c', 'loops.c')]);
  built = out;
  return out;
}

export type Loop = 'connect' | 'exec' | 'udp' | 'unix' | 'syscall';

/** Runs a loop to completion; its own wall-clock seconds for the operations. */
export function runLoop(loop: Loop, ops: number): number {
  const out = execFileSync(loopsBinary(), [loop, String(ops)], { encoding: 'utf8' });
  return (JSON.parse(out) as { seconds: number }).seconds;
}
