// Every way bpfaudit is started must run it on the pinned Node.js runtime
// (bin/bpfaudit), never on whatever `node` a host or base image has.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');
const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string>; optionalDependencies: Record<string, string> };
const pinned = pkg.optionalDependencies[`node-linux-${process.arch}`];

describe('entry points', () => {
  it('package.json pins one runtime version for every architecture it packages', () => {
    expect(new Set(Object.values(pkg.optionalDependencies)).size).toBe(1);
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('bin/bpfaudit runs the CLI on the pinned runtime', () => {
    expect(pkg.bin.bpfaudit).toBe('bin/bpfaudit');
    const out = execFileSync(join(root, 'bin', 'bpfaudit'), ['--help'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    expect(out).toMatch(/^usage: bpfaudit run/);
    const runtime = execFileSync('bash', [join(root, 'scripts', 'runtime-dir.sh')], { encoding: 'utf8' }).trim();
    expect(execFileSync(join(runtime, 'bin', 'node'), ['-v'], { encoding: 'utf8' }).trim()).toBe(`v${pinned}`);
  });

  it('the README run command, the systemd unit and the image start bin/bpfaudit', () => {
    expect(read('scripts/run.sh')).toMatch(/^exec bin\/bpfaudit run "\$@"$/m);
    const unit = read('deploy/bpfaudit.service');
    for (const line of unit.split('\n').filter((l) => /^Exec/.test(l))) expect(line).toMatch(/^ExecStart(Pre)?=\/opt\/bpfaudit\/bin\/bpfaudit /);
    const docker = read('deploy/Dockerfile');
    expect(docker).toMatch(/^ENTRYPOINT \["\/opt\/bpfaudit\/bin\/bpfaudit"\]$/m);
    // a Node base image, where one is used, is of the pinned line
    for (const m of docker.matchAll(/^FROM node:(\d+)/gm)) expect(m[1]).toBe(pinned.split('.')[0]);
    // the DaemonSet runs that image's entry point: it passes arguments, never a command of its own
    const ds = read('deploy/kubernetes/daemonset.yaml');
    expect(ds).not.toMatch(/^\s+command:/m);
  });
});
