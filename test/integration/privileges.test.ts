// Least privilege: started as root, after start-up the receiver runs as
// nobody with no capability on any thread, while events keep flowing and a
// SIGHUP reload (which writes the kernel's rule maps) still works. Before
// the drop it raises its priority (limits.priority_boost), or says why not.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startCli, until } from '../helpers/cli';
import { installRoot } from '../helpers/install_root';
import { describeKernel } from '../helpers/kernel';
import { runProgram, startNode } from '../helpers/processes';

function threadStatus(pid: number) {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    const field = (name: string) => new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(status)![1].trim().split(/\s+/);
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // proc(5): nice is the 19th field; the name before it may hold spaces, not ")"
    const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    return { tid, uid: field('Uid'), gid: field('Gid'), caps: ['CapInh', 'CapPrm', 'CapEff', 'CapAmb'].map((c) => field(c)[0]), nice };
  });
}

describeKernel('least privilege after start-up', () => {
  it('runs as nobody with no capabilities on every thread, records flow, reload works', async () => {
    const host = installRoot('priv');
    const out = join(host.logDir, 'records.jsonl');
    const base = ['dedup: { kinds: [] }', `exporters: [ { type: file, path: "${out}", format: jsonl } ]`, 'limits: { flush_interval_ms: 50 }'];
    const cfg = host.config('bpfaudit.yaml', base);
    const cli = await startCli(cfg);
    const stderr = () => cli.stderr();
    expect(stderr()).toContain('now running as nobody (uid 65534) without capabilities');

    const threads = threadStatus(cli.child.pid!);
    expect(threads.length).toBeGreaterThan(1);
    for (const t of threads) {
      expect(t.uid, `thread ${t.tid}`).toEqual(['65534', '65534', '65534', '65534']);
      expect(t.gid, `thread ${t.tid}`).toEqual(['65534', '65534', '65534', '65534']);
      expect(t.caps, `thread ${t.tid}`).toEqual(['0000000000000000', '0000000000000000', '0000000000000000', '0000000000000000']);
      // the default boost of 4 nice levels over the test's own, on threads started before and after it
      expect(t.nice, `thread ${t.tid}`).toBe(Math.max(-20, getPriority(0) - 4));
    }

    const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
    const marker = `after-drop-${process.pid}`;
    const { pid } = await runProgram('/bin/true', [marker]);
    await until('an exec record written after the drop', () => lines().some((r) => r.eventName === 'process.exec' && r.attributes['process.pid'] === pid));

    // a reload writes the kernel's rule maps through descriptors opened as root
    const sink = startNode('tcp_peer.js', ['sink', '127.0.0.1']);
    const { port } = await sink.next();
    host.config('bpfaudit.yaml', [...base, `filters: { ignore: [ "p<${port}>" ] }`]);
    cli.child.kill('SIGHUP');
    await until('the reload', () => stderr().includes('reloaded'));
    const loop = startNode('tcp_peer.js', ['loop', '127.0.0.1', String(port), '5']);
    await loop.exited;
    const control = await runProgram('/bin/true', ['control']);
    await until('a later record', () => lines().some((r) => r.attributes['process.pid'] === control.pid));
    expect(lines().filter((r) => r.attributes['server.port'] === port)).toEqual([]);
    sink.child.kill();

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    // counters are still read through the maps after the drop
    expect(stderr()).toMatch(/filtered=[^ ]*tcp_connect:5/);
  });

  it('without CAP_SYS_NICE, says why the priority stays and runs anyway', async () => {
    const host = installRoot('nice');
    const cfg = host.config('bpfaudit.yaml', [`exporters: [ { type: file, path: "${join(host.logDir, 'records.jsonl')}", format: jsonl } ]`]);
    // root, with CAP_SYS_NICE out of the bounding set: as under a unit that does not grant it
    const cli = await startCli(cfg, process.env, ['setpriv', '--bounding-set=-sys_nice', '--']);
    expect(cli.stderr()).toContain(`warning: limits.priority_boost: cannot raise the priority to nice ${Math.max(-20, getPriority(0) - 4)}`);
    expect(cli.stderr()).toContain('(EACCES; CAP_SYS_NICE is needed)');
    for (const t of threadStatus(cli.child.pid!)) expect(t.nice, `thread ${t.tid}`).toBe(getPriority(0));
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });
});
