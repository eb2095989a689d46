// Least privilege after start-up: once the probes are attached and the ring
// buffer is mapped, the receiver becomes an ordinary user with no
// capability left, on every thread. What it still reads from the host
// (/etc/passwd, /proc/<pid>/cgroup, the cgroup tree, pod log links) is
// world-readable; executable paths of processes older than the sensor are
// read from /proc before the drop. What it keeps writing (spools, the
// directories of file exporters, so that rotated files can be opened anew)
// is handed to the new user first.
import { accessSync, chownSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadNative } from './native/loader';

export interface Identity {
  name: string;
  uid: number;
  gid: number;
}

export function resolveUser(spec: string, passwd = readFileSync('/etc/passwd', 'utf8')): Identity {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length < 4) continue;
    if (f[0] === spec || f[2] === spec) return { name: f[0], uid: Number(f[2]), gid: Number(f[3]) };
  }
  if (/^\d+$/.test(spec)) return { name: spec, uid: Number(spec), gid: Number(spec) };
  throw new Error(`security.run_as: no user ${spec} in /etc/passwd`);
}

/**
 * Hands directories the receiver keeps writing to (spools) to the user,
 * drops to it, and checks that it can still reach them: a parent directory
 * it cannot traverse would otherwise fail every later write.
 */
export function dropPrivileges(user: Identity, writableDirs: string[]): void {
  for (const dir of writableDirs) chownTree(dir, user);
  loadNative().dropPrivileges(user.uid, user.gid);
  for (const dir of writableDirs) {
    try {
      accessSync(dir, constants.W_OK | constants.X_OK);
    } catch {
      throw new Error(`${dir} is not writable by ${user.name} after the switch (is a parent directory closed to it?)`);
    }
  }
}

function chownTree(path: string, user: Identity): void {
  chownSync(path, user.uid, user.gid);
  if (!statSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), user);
}


/**
 * The directories of file exporters, to be handed to the run-as user: each
 * must hold nothing but those exporters' files (and their rotated copies,
 * whose names start with the same name), or the user would be given, say,
 * all of /var/log. Throws naming the directory and a file that is not ours.
 */
export function fileExporterDirs(paths: string[]): string[] {
  const byDir = new Map<string, string[]>();
  for (const p of paths) byDir.set(dirname(p), [...(byDir.get(dirname(p)) ?? []), basename(p)]);
  for (const [dir, names] of byDir) {
    if (statSync(dir).mode & 0o1000) throw new Error(`${dir} is a shared directory (sticky bit): give the file exporter a directory of its own, e.g. /var/log/bpfaudit/`);
    const foreign = readdirSync(dir).find((entry) => !names.some((n) => entry.startsWith(n)));
    if (foreign !== undefined) {
      throw new Error(`${dir} holds other files (${foreign}), so it cannot be handed to the run-as user: give the file exporter a directory of its own, e.g. /var/log/bpfaudit/, or set security.run_as: root`);
    }
  }
  return [...byDir.keys()];
}
