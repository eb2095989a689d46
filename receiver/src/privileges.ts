// What this process may do, read from /proc/self/status and the filesystem.
import { accessSync, constants, readFileSync } from 'node:fs';

export const CAPABILITIES = { CAP_CHOWN: 0, CAP_SETGID: 6, CAP_SETUID: 7, CAP_SETPCAP: 8, CAP_SYS_ADMIN: 21, CAP_PERFMON: 38, CAP_BPF: 39 } as const;
export type CapabilityName = keyof typeof CAPABILITIES;

export function effectiveCapabilities(status = readFileSync('/proc/self/status', 'utf8')): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  return m ? BigInt('0x' + m[1]) : 0n;
}

function hasBit(caps: bigint, bit: number): boolean {
  return (caps & (1n << BigInt(bit))) !== 0n;
}

export function hasCapability(caps: bigint, name: CapabilityName): boolean {
  return hasBit(caps, CAPABILITIES[name]);
}

/**
 * Loading tracing programs needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN,
 * which implies both on older kernels); mounting tracefs when it is missing
 * needs CAP_SYS_ADMIN.
 */
export function missingCapabilities(caps: bigint): CapabilityName[] {
  if (hasCapability(caps, 'CAP_SYS_ADMIN')) return [];
  return (['CAP_BPF', 'CAP_PERFMON'] as const).filter((c) => !hasCapability(caps, c));
}

/**
 * Giving up root after start-up needs CAP_SETUID and CAP_SETGID, and
 * CAP_CHOWN when spool directories are handed to the new user.
 * (CAP_SETPCAP, if present, also empties the bounding set.)
 */
export function missingForDrop(caps: bigint, chown: boolean): CapabilityName[] {
  const needed: CapabilityName[] = ['CAP_SETUID', 'CAP_SETGID', ...(chown ? (['CAP_CHOWN'] as const) : [])];
  return needed.filter((c) => !hasCapability(caps, c));
}

/** limits.priority_boost needs CAP_SYS_NICE; without it the receiver runs, at its old priority. */
const CAP_SYS_NICE = 23;

export function canRaisePriority(caps: bigint): boolean {
  return hasBit(caps, CAP_SYS_NICE);
}

export const BTF_PATH = '/sys/kernel/btf/vmlinux';

export function hasKernelBtf(path = BTF_PATH): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Why the sensor cannot start here, one line each; empty when nothing is missing. */
export function startupBlockers(drop?: { chown: boolean }): string[] {
  const blockers: string[] = [];
  if (!hasKernelBtf()) {
    blockers.push(`no kernel BTF at ${BTF_PATH}: the kernel needs CONFIG_DEBUG_INFO_BTF=y (Linux >= 5.8)`);
  }
  const caps = effectiveCapabilities();
  const missing = missingCapabilities(caps);
  if (missing.length) {
    blockers.push(`missing capabilities ${missing.join(', ')} (run as root or grant them, see deploy/bpfaudit.service)`);
  }
  const forDrop = drop ? missingForDrop(caps, drop.chown) : [];
  if (forDrop.length) {
    blockers.push(`missing capabilities ${forDrop.join(', ')} to switch to security.run_as (grant them, or set run_as: root)`);
  }
  return blockers;
}
