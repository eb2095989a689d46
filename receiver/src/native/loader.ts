// The one place that loads the addon.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeModule } from './native';
import { projectRoot } from '../paths';

let cached: NativeModule | undefined;

export function addonPath(): string {
  return join(projectRoot(), 'build', 'Release', 'bpfaudit.node');
}

export function loadNative(): NativeModule {
  if (cached) return cached;
  const path = addonPath();
  if (!existsSync(path)) {
    throw new Error(`native addon not built: ${path} is missing (run scripts/setup.sh)`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cached = require(path) as NativeModule;
  return cached;
}
