// process.exec / process.exit against the real kernel: unusual argv,
// another user, truncation, exit codes.
import { readFileSync, realpathSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CapturedRun } from '../helpers/capture';
import { describeKernel } from '../helpers/kernel';
import { runProgram } from '../helpers/processes';

describeKernel('exec probes', () => {
  let run: CapturedRun;
  const truePath = realpathSync('/bin/true');
  const myComm = readFileSync('/proc/self/comm', 'utf8').trim();

  beforeAll(() => {
    run = new CapturedRun((c) => {
      c.probes.exec.max_args = 8;
    });
  });

  afterAll(async () => {
    const stats = await run.stop();
    process.stdout.write(`exec suite kernel counters: ${JSON.stringify({ lost: stats.kernel.lost, exePathTruncated: stats.kernel.exePathTruncated, execCommMissed: stats.kernel.execCommMissed })} decoded=${stats.decoded}\n`);
    expect(Object.values(stats.kernel.lost).every((n) => n === 0)).toBe(true);
    // no two execs in flight here share a thread-id slot, so every old name was the real one
    expect(stats.kernel.execCommMissed).toBe(0);
    expect(run.errors).toEqual([]);
  });

  it('records unusual argv exactly, with path, pid, ppid and creds', async () => {
    const args = ['odd\nline', '\x1b[31mred', '', 'with space', 'ünïcødé', '--flag=a=b'];
    const { pid, code } = await runProgram('/bin/true', args, { argv0: 'fake-name' });
    expect(code).toBe(0);
    const [rec] = await run.waitFor('process.exec', (a) => a['process.pid'] === pid);
    expect(rec.attributes).toMatchObject({
      'process.pid': pid,
      'process.parent_pid': process.pid,
      'process.executable.path': truePath,
      'process.executable.name': 'true',
      'process.command_args': ['fake-name', ...args],
      'process.args_count': 7,
      'process.command': 'fake-name',
      'process.real_user.id': 0,
      'process.user.id': 0,
      'user.id': '0',
      'user.name': 'root',
    });
    expect(rec.attributes).not.toHaveProperty('bpfaudit.truncated');
    expect(rec.body).toBe(
      `exec ${myComm}[${pid}] ${truePath} odd\\nline \\e[31mred '' 'with space' ünïcødé --flag=a=b (uid=0 euid=0 ppid=${process.pid})`,
    );
    const [exit] = await run.waitFor('process.exit', (a) => a['process.pid'] === pid);
    expect(exit.attributes).toMatchObject({ 'process.exit.code': 0, 'process.executable.path': truePath });
  });

  it('records a different user, and the shell exit code', async () => {
    const { pid, code } = await runProgram('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '/bin/sh', '-c', 'exit 3']);
    expect(code).toBe(3);
    // setpriv keeps its pid across exec, so the same pid execs twice: setpriv, then sh
    const execs = await run.waitFor('process.exec', (a) => a['process.pid'] === pid, 2);
    const sh = execs.find((r) => r.attributes['process.command'] === '/bin/sh')!;
    expect(sh.attributes).toMatchObject({ 'process.real_user.id': 65534, 'process.user.id': 65534, 'process.group.id': 65534, 'user.id': '65534', 'user.name': 'nobody' });
    expect(sh.body).toMatch(new RegExp(`^exec setpriv\\[${pid}\\] /usr/bin/dash -c 'exit 3' \\(uid=65534 euid=65534 ppid=${process.pid}\\)$`));
    const [exit] = await run.waitFor('process.exit', (a) => a['process.pid'] === pid);
    expect(exit.attributes).toMatchObject({ 'process.exit.code': 3, 'process.real_user.id': 65534 });
  });

  it('cuts argv at max_args and flags it', async () => {
    const args = Array.from({ length: 20 }, (_, i) => `a${i}`);
    const { pid } = await runProgram('/bin/true', args);
    const [rec] = await run.waitFor('process.exec', (a) => a['process.pid'] === pid);
    expect(rec.attributes['process.command_args']).toEqual(['/bin/true', ...args.slice(0, 7)]);
    expect(rec.attributes['bpfaudit.truncated']).toBe(true);
  });

  it('flags argv longer than the kernel buffer as truncated', async () => {
    const { pid } = await runProgram('/bin/true', ['x'.repeat(5000)]);
    const [rec] = await run.waitFor('process.exec', (a) => a['process.pid'] === pid);
    const argv = rec.attributes['process.command_args'] as string[];
    expect(argv[0]).toBe('/bin/true');
    expect(argv[1]).toBe('x'.repeat(4096 - '/bin/true\0'.length));
    expect(rec.attributes['bpfaudit.truncated']).toBe(true);
  });

  it('a process killed by a signal exits with 128+signal', async () => {
    const { pid } = await runProgram('/bin/sh', ['-c', 'kill -9 $$']);
    const [exit] = await run.waitFor('process.exit', (a) => a['process.pid'] === pid);
    expect(exit.attributes).toMatchObject({ 'process.exit.code': 137, 'bpfaudit.exit.signal': 9 });
  });
});
