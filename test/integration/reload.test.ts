// SIGHUP while traffic flows: the new ignore rule takes effect, the
// exporters are swapped, and across the reload every event is accounted for
// exactly once (a record, or a kernel filter count); a bad file changes nothing.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startCli, until } from '../helpers/cli';
import { installRoot } from '../helpers/install_root';
import { describeKernel } from '../helpers/kernel';
import { startNode } from '../helpers/processes';

// the receiver drops to nobody after start-up: it still reads the config and opens the new file
const host = installRoot('reload');

function config(file: string, ignore: string[]): string {
  return [
    'probes: { exec: { enabled: false, exit: false }, udp: { bind: false, connect: false, send: false, receive: false }, ipset: { enabled: false } }',
    'dedup: { kinds: [] }',
    `filters: { ignore: [${ignore.map((r) => JSON.stringify(r)).join(', ')}] }`,
    `exporters: [ { type: file, path: ${JSON.stringify(file)}, format: jsonl } ]`,
    'limits: { flush_interval_ms: 50 }',
  ].join('\n');
}

function records(file: string): Array<{ eventName: string; timestamp: string; attributes: Record<string, unknown> }> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

describeKernel('reload on SIGHUP', () => {
  it('swaps rules and exporters while traffic flows, losing and duplicating nothing', async () => {
    const sinkA = startNode('tcp_peer.js', ['sink', '127.0.0.1']);
    const sinkB = startNode('tcp_peer.js', ['sink', '127.0.0.1']);
    const portA = (await sinkA.next()).port;
    const portB = (await sinkB.next()).port;
    const before = join(host.logDir, 'before.jsonl');
    const after = join(host.logDir, 'after.jsonl');
    const cfg = host.config('bpfaudit.yaml', [config(before, [])]);

    const cli = await startCli(cfg);
    const stderr = () => cli.stderr();

    const N = 300;
    const a = startNode('tcp_peer.js', ['loop', '127.0.0.1', String(portA), String(N), '3']);
    const b = startNode('tcp_peer.js', ['loop', '127.0.0.1', String(portB), String(N), '3']);
    const connects = (file: string, pid: number) => records(file).filter((r) => r.eventName === 'network.tcp.connect' && r.attributes['process.pid'] === pid).length;
    await until('traffic before the reload', () => connects(before, b.pid) >= 50);

    // a broken file is rejected and changes nothing
    writeFileSync(cfg, 'filters: { ignore: [ "p<99999>" ] }\n');
    cli.child.kill('SIGHUP');
    await until('the rejection', () => stderr().includes('reload rejected'));
    expect(stderr()).toContain('port must be an integer from 1 to 65535');

    writeFileSync(cfg, config(after, [`|p<${portB}>`]));
    cli.child.kill('SIGHUP');
    await until('the reload', () => stderr().includes('reloaded'));
    const reloadedAt = Date.now();
    expect((await a.next()).done).toBe(N);
    expect((await b.next()).done).toBe(N);
    await Promise.all([a.exited, b.exited]);
    await until('the last A connects', () => connects(before, a.pid) + connects(after, a.pid) >= N);
    await new Promise((r) => setTimeout(r, 300));

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    sinkA.child.kill();
    sinkB.child.kill();

    const aRecords = connects(before, a.pid) + connects(after, a.pid);
    const bRecords = connects(before, b.pid) + connects(after, b.pid);
    const filtered = Number(/filtered=[^ ]*tcp_connect:(\d+)/.exec(stderr())?.[1] ?? 0);
    expect(aRecords).toBe(N);
    expect(connects(after, a.pid)).toBeGreaterThan(0);
    // B's records all happened before the new rule was in force (some may reach the new exporter)
    const bTimes = [...records(before), ...records(after)]
      .filter((r) => r.eventName === 'network.tcp.connect' && r.attributes['process.pid'] === b.pid)
      .map((r) => Date.parse(r.timestamp));
    expect(bTimes.every((t) => t <= reloadedAt)).toBe(true);
    expect(bRecords + filtered).toBe(N);
    expect(filtered).toBeGreaterThan(0);
    expect(stderr()).not.toMatch(/kernel lost=[1-9a-z]/);
  });
});
