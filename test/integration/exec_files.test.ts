// Binaries that hide: a memfd (fileless), a binary deleted before it runs,
// one written on an overlayfs upper layer (inside a container, not in its
// image). The record names each as the kernel does (/proc/<pid>/exe) and
// flags it; the body shows the true path.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CapturedRun } from '../helpers/capture';
import { until } from '../helpers/cli';
import { describeKernel } from '../helpers/kernel';

const SLEEP = realpathSync('/bin/sleep');

/** Runs a python3 script that execs a binary named `expect`; resolves with the pid and /proc/<pid>/exe once it runs. */
async function pythonExec(script: string, expect: string): Promise<{ pid: number; procExe: string; done: Promise<void> }> {
  const child = spawn('/usr/bin/python3', ['-c', script], { stdio: 'ignore' });
  const pid = child.pid!;
  const done = new Promise<void>((r) => child.on('exit', () => r()));
  let procExe = '';
  await until('the binary to run', () => {
    try {
      procExe = readlinkSync(`/proc/${pid}/exe`);
      return procExe.includes(expect);
    } catch {
      return false;
    }
  });
  return { pid, procExe, done };
}

describeKernel('exec of binaries that hide', () => {
  let run: CapturedRun;
  const dir = mkdtempSync(join(tmpdir(), 'bpfaudit-exefiles-'));
  beforeAll(() => {
    run = new CapturedRun();
  });
  afterAll(async () => {
    await run.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a memfd exec is /memfd:<name> (deleted), flagged fileless, with the forged argv[0] kept', async () => {
    const { pid, procExe, done } = await pythonExec([
      'import os',
      "fd = os.memfd_create('kworker')",
      `os.write(fd, open('${SLEEP}', 'rb').read())`,
      "os.execve(f'/proc/self/fd/{fd}', ['kworker/0:1', '0.3'], {})",
    ].join('\n'), 'memfd:');
    expect(procExe).toBe('/memfd:kworker (deleted)');
    // the pid's second exec: python3 itself was the first
    const [rec] = await run.waitFor('process.exec', (a) => a['process.pid'] === pid && (a['process.command_args'] as string[])[0] === 'kworker/0:1');
    expect(rec.attributes).toMatchObject({
      'process.executable.path': procExe, 'process.executable.name': 'memfd:kworker (deleted)',
      'bpfaudit.executable.fileless': true, 'process.command_args': ['kworker/0:1', '0.3'],
    });
    expect(rec.attributes).not.toHaveProperty('bpfaudit.executable.deleted');
    // quoted, as every word with a space is
    expect(rec.body).toBe(`exec python3[${pid}] '/memfd:kworker (deleted)' 0.3 (uid=0 euid=0 ppid=${process.pid})`);
    await done;
  });

  it('a binary unlinked before it runs is <path> (deleted), flagged deleted', async () => {
    const bin = join(dir, 'dropper');
    copyFileSync(SLEEP, bin);
    const { pid, procExe, done } = await pythonExec([
      'import os',
      `fd = os.open('${bin}', os.O_RDONLY)`,
      `os.unlink('${bin}')`,
      "os.execve(f'/proc/self/fd/{fd}', ['dropper', '0.3'], {})",
    ].join('\n'), 'dropper');
    expect(procExe).toBe(`${realpathSync(dir)}/dropper (deleted)`);
    const [rec] = await run.waitFor('process.exec', (a) => a['process.pid'] === pid && (a['process.command_args'] as string[])[0] === 'dropper');
    expect(rec.attributes).toMatchObject({ 'process.executable.path': procExe, 'bpfaudit.executable.deleted': true });
    expect(rec.attributes).not.toHaveProperty('bpfaudit.executable.fileless');
    await done;
  });

  it('on overlayfs, a binary written on the upper layer is flagged; one from the lower layer is not', async () => {
    const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => join(dir, d));
    for (const d of [lower, upper, work, merged]) mkdirSync(d);
    copyFileSync(SLEEP, join(lower, 'from-image'));
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged]);
    try {
      // written through the merged view, as a process inside the container would
      copyFileSync(SLEEP, join(merged, 'dropped'));
      execFileSync('chmod', ['+x', join(merged, 'dropped')]);
      const pids: Record<string, number> = {};
      for (const name of ['from-image', 'dropped']) {
        const child = spawn(join(merged, name), ['0'], { stdio: 'ignore' });
        pids[name] = child.pid!;
        await new Promise((r) => child.on('exit', r));
      }
      const [image] = await run.waitFor('process.exec', (a) => a['process.pid'] === pids['from-image']);
      const [dropped] = await run.waitFor('process.exec', (a) => a['process.pid'] === pids.dropped);
      expect(image.attributes['process.executable.path']).toBe(join(realpathSync(merged), 'from-image'));
      expect(image.attributes).not.toHaveProperty('bpfaudit.executable.overlay_upper');
      expect(dropped.attributes).toMatchObject({ 'process.executable.path': join(realpathSync(merged), 'dropped'), 'bpfaudit.executable.overlay_upper': true });
    } finally {
      execFileSync('umount', [merged]);
    }
  });
});
