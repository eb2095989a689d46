// auditd, the reference bpfaudit is compared with (the benchmark) and
// checked against (the tests): installed from Debian when missing, run in
// the foreground as our child with the given rules, and undone afterwards.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

function auditctl(args: string[]): string {
  const r = spawnSync('auditctl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`auditctl ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

export function installAuditd(): void {
  if (spawnSync('which', ['auditd', 'auditctl']).status === 0) return;
  process.stderr.write('installing auditd (Debian)\n');
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', 'auditd']]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed: auditd is needed`);
  }
}

/**
 * Starts auditd with `rules` (auditctl "-a ..." argument lists); resolves
 * with the function that stops it and deletes exactly those rules (the
 * host's own rules are left as they were).
 */
export async function withAuditd(rules: string[][]): Promise<() => Promise<void>> {
  installAuditd();
  const enabledBefore = /^enabled (\d)/m.exec(auditctl(['-s']))?.[1] ?? '0';
  const daemon: ChildProcess = spawn('auditd', ['-n'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  if (daemon.exitCode !== null) throw new Error('auditd did not start');
  for (const rule of rules) auditctl(rule);
  auditctl(['-e', '1']);
  return async () => {
    for (const rule of rules) auditctl(rule.map((a) => (a === '-a' ? '-d' : a)));
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    auditctl(['-e', enabledBefore]);
  };
}
