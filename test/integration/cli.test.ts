// The CLI as an operator meets it: check, validate, and a clear refusal
// without privileges or when the kernel refuses the probes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { bpfauditCommand, projectRoot } from '../../receiver/src/paths';
import { installRoot } from '../helpers/install_root';
import { describeKernel } from '../helpers/kernel';

const fixtures = join(projectRoot(), 'test', 'fixtures', 'config');

/**
 * withoutCapabilities: still uid 0 (the checkout may be closed to other users), but with an empty bounding set;
 * maxFiles: a descriptor limit (prlimit), as a service unit may set one
 */
function bpfaudit(args: string[], withoutCapabilities = false, maxFiles?: number) {
  const [cmd, argv] = withoutCapabilities
    ? ['/usr/bin/setpriv', ['--bounding-set=-all', '--inh-caps=-all', bpfauditCommand(), ...args]]
    : maxFiles
      ? ['/usr/bin/prlimit', [`--nofile=${maxFiles}:${maxFiles}`, bpfauditCommand(), ...args]]
      : [bpfauditCommand(), args];
  const r = spawnSync(cmd, argv as string[], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeKernel('bpfaudit CLI', () => {
  it('check reports every probe attachable here and exits 0', () => {
    const r = bpfaudit(['check']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^ok\\s+Node\\.js runtime\\s+${process.version.replace(/\./g, '\\.')} \\(LTS \\w+\\)`, 'm'));
    for (const sec of ['tp_btf/sched_process_exec', 'tp_btf/sched_process_exit', 'tp_btf/inet_sock_set_state', 'tp/syscalls/sys_exit_accept4', 'tp/syscalls/sys_exit_accept', 'kernel BTF', 'ring buffer']) {
      expect(r.stdout).toMatch(new RegExp(`^ok\\s+${sec.replace(/\//g, '\\/')}`, 'm'));
    }
  });

  it('check without privileges says what is missing and exits 1', () => {
    const r = bpfaudit(['check'], true);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+privileges to load probes\s+missing CAP_BPF, CAP_PERFMON$/m);
  });

  it('run without privileges names the missing capabilities, without a stack trace', () => {
    const r = bpfaudit(['run'], true);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bpfaudit: cannot start:');
    expect(r.stderr).toContain('missing capabilities CAP_BPF, CAP_PERFMON');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('run whose probes cannot load exits 1 naming the step and errno, also with an OTLP exporter already open', () => {
    const host = installRoot('cli');
    // nothing listens on the discard port; the exporter only has to exist, with its spool and timers
    const config = host.config('bpfaudit.yaml', [`exporters: [ { type: otlp, endpoint: "http://127.0.0.1:9/v1/logs", spool: { dir: "${host.spoolDir}" } } ]`]);
    // enough descriptors for the runtime, too few for every probe's maps and programs
    const r = bpfaudit(['run', '--config', config], false, 32);
    expect(r.stderr).toMatch(/^bpfaudit: cannot start: load BPF object \w+ failed: EMFILE/m);
    expect(r.code).toBe(1); // not a hang (the exporter kept the process alive), not a crash at exit (139)
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('validate prints every problem with its line and exits 1', () => {
    const r = bpfaudit(['validate', '--config', join(fixtures, 'invalid', 'bad_values.yaml')]);
    expect(r.code).toBe(1);
    // a heading, then the fixture's problems, each with its line
    const problems = readFileSync(join(fixtures, 'invalid', 'bad_values.errors'), 'utf8').trim().split('\n');
    expect(r.stderr.trim().split('\n')).toHaveLength(1 + problems.length);
    expect(r.stderr).toContain('bad_values.yaml:4: probes.exec.max_args: must be an integer from 1 to 1024');
  });

  it('validate accepts a good file', () => {
    const r = bpfaudit(['validate', '--config', join(projectRoot(), 'config', 'production.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid/);
  });

  it('run refuses an invalid config before touching the kernel', () => {
    const r = bpfaudit(['run', '--config', join(fixtures, 'invalid', 'unknown_keys.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('probes.udpp: unknown key');
  });

  it('rejects unknown commands and arguments with usage', () => {
    expect(bpfaudit(['frobnicate']).code).toBe(2);
    expect(bpfaudit(['run', '--config']).code).toBe(2);
  });
});
