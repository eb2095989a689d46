// Integration tests need root, kernel BTF and the built artefacts. Where
// they are missing the tests skip with the reason printed; under CI=true a
// skip is a failure.
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { addonPath } from '../../receiver/src/native/loader';
import { bpfObjectPath, tcxAttachPath } from '../../receiver/src/paths';
import { startupBlockers } from '../../receiver/src/privileges';

export function kernelSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  const blockers = startupBlockers();
  if (blockers.length) return blockers.join('; ');
  for (const p of [addonPath(), ...['exec', 'tcp', 'udp', 'ipset', 'inbound'].map(bpfObjectPath), tcxAttachPath()]) {
    if (!existsSync(p)) return `${p} is not built (run scripts/setup.sh)`;
  }
  return undefined;
}

export function describeKernel(name: string, body: () => void): void {
  describeRequiring(kernelSkipReason(), name, body);
}

/** describe() when reason is undefined; otherwise a printed skip, or a failure under CI=true. */
export function describeRequiring(reason: string | undefined, name: string, body: () => void): void {
  if (!reason) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('runs against the real kernel', () => {
        throw new Error(`CI=true and "${name}" cannot run: ${reason}`);
      });
    });
  } else {
    process.stdout.write(`skipping "${name}": ${reason}\n`);
    describe.skip(name, body);
  }
}
