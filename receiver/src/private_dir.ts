// A directory only its owner may enter (a spool, a log directory), below
// ancestors anyone may traverse: created as root, the receiver must still
// reach it after it switches to security.run_as.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export function mkdirPrivate(dir: string, mode: number): void {
  mkdirSync(dirname(dir), { recursive: true, mode: 0o755 });
  mkdirSync(dir, { recursive: true, mode });
}
