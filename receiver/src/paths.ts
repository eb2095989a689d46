// Where the built artefacts live, relative to this package.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The package root: the nearest folder above this file with a package.json. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

export function bpfObjectPath(name: string): string {
  return join(projectRoot(), 'bpf', '.output', `${name}.bpf.o`);
}
