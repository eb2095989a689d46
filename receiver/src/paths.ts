// Where the built artefacts live, relative to this package.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/**
 * The package root: the nearest folder above this file with a package.json.
 * Found once: after a privilege drop the installation may not be readable.
 */
export function projectRoot(): string {
  if (root) return root;
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  root = dir;
  return dir;
}

export function bpfObjectPath(name: string): string {
  return join(projectRoot(), 'bpf', '.output', `${name}.bpf.o`);
}

/** The bpfaudit command as installed: the CLI on the pinned runtime, with the runtime flags it is meant to run with. */
export function bpfauditCommand(): string {
  return join(projectRoot(), 'bin', 'bpfaudit');
}

/** The helper that keeps the inbound program attached to interfaces (native/src/tcx_attach.c). */
export function tcxAttachPath(): string {
  return join(projectRoot(), 'build', 'Release', 'bpfaudit-tcx');
}
