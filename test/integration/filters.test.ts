// Ignore rules evaluated in the kernel: an ignored executable, port, CIDR
// and uid give no records while the same traffic from elsewhere does, and
// the kernel's filter counters account for what was dropped.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CapturedRun } from '../helpers/capture';
import { describeKernel } from '../helpers/kernel';
import { runProgram, startNode } from '../helpers/processes';

describeKernel('ignore rules in the kernel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfaudit-filters-'));
  const quietCurl = join(dir, 'curl-quiet');
  const connectOnly = join(dir, 'curl-connect-only');
  let run: CapturedRun;
  let ignoredPort: number;
  let openPort: number;
  let sink: ReturnType<typeof startNode>;
  let sink2: ReturnType<typeof startNode>;

  beforeAll(async () => {
    copyFileSync('/usr/bin/curl', quietCurl);
    copyFileSync('/usr/bin/curl', connectOnly);
    sink = startNode('tcp_peer.js', ['sink', '127.0.0.1']);
    ignoredPort = (await sink.next()).port;
    sink2 = startNode('tcp_peer.js', ['sink', '127.0.0.1']);
    openPort = (await sink2.next()).port;
    run = new CapturedRun((c) => {
      c.dedup.kinds = [];
      c.filters.ignore = [
        quietCurl, // netlog form: only the executable
        `|p<${ignoredPort}>`,
        { cidr: '127.0.0.2/32', kinds: ['network.tcp.connect'] },
        { uid: 65534, kinds: ['process.exec', 'process.exit'] },
        { exe: connectOnly, kinds: ['!network.tcp.connect'] },
      ];
    });
  });

  afterAll(async () => {
    // also when start-up failed half-way: the copies of curl go with the suite
    try {
      sink?.child.kill();
      sink2?.child.kill();
      await Promise.all([sink?.exited, sink2?.exited]);
      await run?.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const curl = (bin: string, url: string) => runProgram(bin, ['-s', '-m', '2', '-o', '/dev/null', url]);

  it('an ignored executable (matched by its file, not its name) produces nothing; the same traffic from another binary does', async () => {
    const before = run.receiver.statistics().kernel.filtered;
    const quiet = await curl(quietCurl, `http://127.0.0.1:${openPort}/`);
    const loud = await curl('/usr/bin/curl', `http://127.0.0.1:${openPort}/`);
    await run.waitFor('network.tcp.connect', (a) => a['process.pid'] === loud.pid);
    await run.waitFor('process.exec', (a) => a['process.pid'] === loud.pid);
    expect(run.exporter.records.filter((r) => r.attributes['process.pid'] === quiet.pid)).toEqual([]);
    const after = run.receiver.statistics().kernel.filtered;
    // the quiet curl's exec, exit and TCP connect/close were dropped in the kernel
    expect(after.exec - before.exec).toBe(1);
    expect(after.tcp_connect - before.tcp_connect).toBe(1);
    expect(after.tcp_close - before.tcp_close).toBe(1);
  });

  it('an ignored port produces nothing, another port does', async () => {
    const before = run.receiver.statistics().kernel.filtered;
    const a = startNode('tcp_peer.js', ['loop', '127.0.0.1', String(ignoredPort), '5']);
    const b = startNode('tcp_peer.js', ['loop', '127.0.0.1', String(openPort), '5']);
    await Promise.all([a.exited, b.exited]);
    await run.waitFor('network.tcp.connect', (x) => x['process.pid'] === b.pid, 5);
    expect(run.find('network.tcp.connect', (x) => x['server.port'] === ignoredPort)).toEqual([]);
    expect(run.find('network.tcp.accept', (x) => x['server.port'] === ignoredPort)).toEqual([]);
    const after = run.receiver.statistics().kernel.filtered;
    expect(after.tcp_connect - before.tcp_connect).toBe(5);
    expect(after.tcp_accept - before.tcp_accept).toBe(5);
  });

  it('an ignored CIDR (connects only) produces no connect record; the accept side still shows', async () => {
    const local2 = startNode('tcp_peer.js', ['sink', '127.0.0.2']);
    const { port } = await local2.next();
    const c = startNode('tcp_peer.js', ['loop', '127.0.0.2', String(port), '3']);
    const d = startNode('tcp_peer.js', ['loop', '127.0.0.1', String(openPort), '3']);
    await Promise.all([c.exited, d.exited]);
    await run.waitFor('network.tcp.connect', (x) => x['process.pid'] === d.pid, 3);
    await run.waitFor('network.tcp.accept', (x) => x['server.port'] === port, 3);
    expect(run.find('network.tcp.connect', (x) => x['process.pid'] === c.pid)).toEqual([]);
    local2.child.kill();
    await local2.exited;
  });

  it('an ignored uid produces no exec or exit records; root running the same does', async () => {
    const nobody = await runProgram('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '/bin/true']);
    const root = await runProgram('/bin/true', []);
    await run.waitFor('process.exit', (a) => a['process.pid'] === root.pid);
    // setpriv starts as root (recorded), then runs /bin/true as nobody (ignored)
    const execs = run.find('process.exec', (a) => a['process.pid'] === nobody.pid);
    expect(execs.map((r) => r.attributes['process.real_user.id'])).toEqual([0]);
    expect(run.find('process.exit', (a) => a['process.pid'] === nobody.pid)).toEqual([]);
  });

  it('"!" negates a field: an executable ignored for every kind but connect', async () => {
    const p = await curl(connectOnly, `http://127.0.0.1:${openPort}/`);
    await run.waitFor('network.tcp.connect', (a) => a['process.pid'] === p.pid);
    await new Promise((r) => setTimeout(r, 300));
    const kinds = run.exporter.records.filter((r) => r.attributes['process.pid'] === p.pid).map((r) => r.eventName);
    expect(kinds).toEqual(['network.tcp.connect']);
  });
});
