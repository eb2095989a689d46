// container.id from the cgroup a process runs in: a cgroup named the way
// docker's systemd driver names it, made by the test in the cgroup2 tree.
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cgroup2Root } from '../../receiver/src/enrich/containers';
import { CapturedRun } from '../helpers/capture';
import { describeKernel } from '../helpers/kernel';
import { runProgram } from '../helpers/processes';

const ID = 'c0ffee'.padEnd(64, '5');

describeKernel('container.id', () => {
  const root = cgroup2Root();
  const parent = root ? join(root, `bpfaudit-test-${process.pid}`) : '';
  const scope = join(parent, `docker-${ID}.scope`);
  let run: CapturedRun;

  beforeAll(() => {
    if (!root) throw new Error('no cgroup2 mount: cannot make a container cgroup');
    mkdirSync(scope, { recursive: true });
    run = new CapturedRun();
  });

  afterAll(async () => {
    await run.stop();
    rmdirSync(scope);
    rmdirSync(parent);
  });

  it('a process moved into a container cgroup carries its id; the host process does not', async () => {
    const marker = `container-${process.pid}`;
    const { pid, code } = await runProgram('/bin/sh', ['-c', `echo $$ > ${join(scope, 'cgroup.procs')} && exec /bin/true ${marker}`]);
    expect(code).toBe(0);
    const execs = await run.waitFor('process.exec', (a) => a['process.pid'] === pid, 2);
    const inside = execs.find((r) => (r.attributes['process.command_args'] as string[])[1] === marker)!;
    expect(inside.attributes['container.id']).toBe(ID);
    const outside = execs.find((r) => r !== inside)!;
    expect(outside.attributes).not.toHaveProperty('container.id');
    const [exit] = await run.waitFor('process.exit', (a) => a['process.pid'] === pid);
    expect(exit.attributes['container.id']).toBe(ID);
  });
});
