// container.id from the cgroup a process runs in: a cgroup named the way
// docker's systemd driver names it, made by the test in the cgroup2 tree,
// and one named the way its cgroupfs driver names it in the v1 memory
// hierarchy (hosts that still mount one).
import { mkdirSync, mkdtempSync, rmdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cgroup2Root, cgroupV1MemoryRoot } from '../../receiver/src/enrich/containers';
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

  it('a process in a pod (kubelet cgroup naming, /var/log/containers link) carries the Kubernetes attributes', async () => {
    const podUid = '11112222-3333-4444-5555-666677778888';
    const podDir = join(parent, 'kubepods.slice', `kubepods-besteffort-pod${podUid.replace(/-/g, '_')}.slice`);
    const id = 'feed'.padEnd(64, '7');
    const scopeDir = join(podDir, `cri-containerd-${id}.scope`);
    mkdirSync(scopeDir, { recursive: true });
    const logs = mkdtempSync(join(tmpdir(), 'bpfaudit-logs-'));
    symlinkSync(`/var/log/pods/payments_api-5f6d_${podUid}/server/0.log`, join(logs, `api-5f6d_payments_server-${id}.log`));
    const k8sRun = new CapturedRun((c) => {
      c.kubernetes = { enabled: true, log_dir: logs, node_name: 'worker-1' };
    });
    try {
      const marker = `pod-${process.pid}`;
      const { pid } = await runProgram('/bin/sh', ['-c', `echo $$ > ${join(scopeDir, 'cgroup.procs')} && exec /bin/true ${marker}`]);
      const [rec] = await k8sRun.waitFor('process.exec', (a) => a['process.pid'] === pid && (a['process.command_args'] as string[])[1] === marker);
      expect(rec.attributes).toMatchObject({
        'container.id': id, 'k8s.pod.name': 'api-5f6d', 'k8s.pod.uid': podUid, 'k8s.namespace.name': 'payments',
        'k8s.container.name': 'server', 'k8s.node.name': 'worker-1',
      });
    } finally {
      await k8sRun.stop();
      rmSync(logs, { recursive: true, force: true });
      rmdirSync(scopeDir);
      rmdirSync(podDir);
      rmdirSync(join(parent, 'kubepods.slice'));
    }
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

  const v1 = cgroupV1MemoryRoot();
  if (!v1) process.stdout.write('container.id in a cgroup v1 hierarchy: skipped, no v1 memory hierarchy is mounted here\n');
  it.skipIf(!v1)('a process in a v1 memory cgroup (cgroupfs driver naming) carries its id on exec and exit, gone from /proc or not', async () => {
    const id = 'beef'.padEnd(64, '9');
    const top = join(v1!, `bpfaudit-test-${process.pid}`);
    const dir = join(top, 'docker', id);
    mkdirSync(dir, { recursive: true });
    try {
      const marker = `v1-${process.pid}`;
      const { pid } = await runProgram('/bin/sh', ['-c', `echo $$ > ${join(dir, 'cgroup.procs')} && exec /bin/true ${marker}`]);
      const [exec] = await run.waitFor('process.exec', (a) => a['process.pid'] === pid && (a['process.command_args'] as string[])[1] === marker);
      expect(exec.attributes['container.id']).toBe(id);
      const [exit] = await run.waitFor('process.exit', (a) => a['process.pid'] === pid);
      expect(exit.attributes['container.id']).toBe(id);
    } finally {
      rmdirSync(dir);
      rmdirSync(join(top, 'docker'));
      rmdirSync(top);
    }
  });
});
