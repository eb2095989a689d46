// A host's layout in miniature, as an installation has it: a root-owned
// 0755 tree with etc/bpfaudit for the config, var/log and var/lib (0755,
// root's), in which the receiver makes its own directories. Receivers in
// tests run with the default security.run_as (nobody) against it.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

export interface InstallRoot {
  root: string;
  /** var/log/bpfaudit: not created, the receiver makes it */
  logDir: string;
  /** var/lib/bpfaudit/spool: not created, the receiver makes it */
  spoolDir: string;
  /** writes etc/bpfaudit/NAME and returns its path */
  config(name: string, lines: string[]): string;
}

export function installRoot(name: string): InstallRoot {
  const root = mkdtempSync(join(tmpdir(), `bpfaudit-${name}-`));
  chmodSync(root, 0o755);
  for (const d of ['etc/bpfaudit', 'var/log', 'var/lib']) mkdirSync(join(root, d), { recursive: true, mode: 0o755 });
  const remove = () => rmSync(root, { recursive: true, force: true });
  // made inside a test: gone with it; made at a file's top level: gone with the file
  try {
    onTestFinished(remove);
  } catch {
    afterAll(remove);
  }
  return {
    root,
    logDir: join(root, 'var/log/bpfaudit'),
    spoolDir: join(root, 'var/lib/bpfaudit/spool'),
    config(file, lines) {
      const path = join(root, 'etc/bpfaudit', file);
      writeFileSync(path, lines.join('\n') + '\n', { mode: 0o644 });
      return path;
    },
  };
}
