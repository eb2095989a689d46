// `bpfaudit search` over files the receiver itself wrote (installed, as
// nobody, the shipped file example) from two shell sessions that run curl
// and ipset; the first session's file rotated and gzipped in between, and a
// torn line at the end of the current one.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect, it, onTestFinished } from 'vitest';
import { bpfauditCommand, projectRoot } from '../../receiver/src/paths';
import { startCli, until } from '../helpers/cli';
import { installRoot } from '../helpers/install_root';
import { describeKernel } from '../helpers/kernel';
import { runProgram } from '../helpers/processes';

type Rec = { timestamp: string; eventName: string; body: string; attributes: Record<string, any> };

function search(args: string[]): { status: number | null; out: string; err: string; records: Rec[] } {
  const r = spawnSync(bpfauditCommand(), ['search', ...args], { encoding: 'utf8' });
  const records = args.includes('jsonl') ? r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec) : [];
  return { status: r.status, out: r.stdout, err: r.stderr, records };
}

const SET = (n: number) => `bpfa${process.pid % 100000}_s${n}`;

describeKernel('bpfaudit search', () => {
  it('answers from rotated, gzipped and current files: tree, pid, event, address, port, user, exe, set, text, time', async () => {
    const host = installRoot('search');
    onTestFinished(() => {
      for (const n of [1, 2]) spawnSync('ipset', ['destroy', SET(n)], { stdio: 'ignore' });
    });
    const web = createServer((_, res) => res.end('ok'));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    const port = (web.address() as AddressInfo).port;
    const example = readFileSync(join(projectRoot(), 'config', 'exporter-file.yaml'), 'utf8').replaceAll('/var/log/bpfaudit/', `${host.logDir}/`);
    const cfg = host.config('bpfaudit.yaml', [example, 'probes: { inbound: { enabled: false } }', 'limits: { flush_interval_ms: 50 }']);
    const cli = await startCli(cfg);
    const jsonl = join(host.logDir, 'audit.jsonl');
    const session = (n: number) =>
      runProgram('/bin/bash', ['-c', `curl -s -m2 -o /dev/null http://127.0.0.1:${port}/search-${n}; ipset create ${SET(n)} hash:ip; ipset add ${SET(n)} 192.0.2.${n}; ipset destroy ${SET(n)}`]);

    const s1 = await session(1);
    const destroyed = (n: number) => () => existsSync(jsonl) && readFileSync(jsonl, 'utf8').split('\n').some((l) => l.includes('"ipset.destroy"') && l.includes(SET(n)));
    await until('the first session in the file', destroyed(1), 10_000);
    const between = new Date().toISOString();
    // rotated as logrotate does: moved, then the receiver told to reopen
    renameSync(jsonl, `${jsonl}.1`);
    cli.child.kill('SIGUSR1');
    const s2 = await session(2);
    await until('the second session in the new file', destroyed(2), 10_000);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    web.close();
    writeFileSync(`${jsonl}.1.gz`, gzipSync(readFileSync(`${jsonl}.1`)));
    unlinkSync(`${jsonl}.1`);
    appendFileSync(jsonl, '{"timestamp":"2026-11-21T0');
    const tornLine = readFileSync(jsonl, 'utf8').split('\n').length;

    const tree1 = search(['--config', cfg, '--tree', String(s1.pid), '--format', 'jsonl']);
    expect(tree1.status).toBe(0);
    expect(tree1.err).toContain(`${jsonl}:${tornLine}: not a record`);
    expect(tree1.err).toContain(`searching ${jsonl}; ${join(host.logDir, 'audit.otlp.json')} hold the same records`);
    const t1 = tree1.records;
    // time order across the gzipped rotated file and the current one
    expect(t1.map((r) => r.timestamp)).toEqual(t1.map((r) => r.timestamp).sort());
    const curlExec = t1.find((r) => r.eventName === 'process.exec' && r.attributes['process.executable.name'] === 'curl')!;
    const curlPid = curlExec.attributes['process.pid'];
    expect(curlExec.attributes['process.parent_pid']).toBe(s1.pid);
    const names = new Set(t1.map((r) => r.eventName));
    for (const n of ['process.exec', 'process.exit', 'network.tcp.connect', 'network.tcp.close', 'ipset.create', 'ipset.add', 'ipset.destroy']) expect(names).toContain(n);
    expect(t1.filter((r) => r.eventName.startsWith('ipset.')).every((r) => r.attributes['ipset.set.name'] === SET(1))).toBe(true);
    const pids = new Set(t1.map((r) => r.attributes['process.pid']));
    expect(t1.every((r) => r.attributes['process.pid'] === s1.pid || pids.has(r.attributes['process.parent_pid']))).toBe(true);
    expect(JSON.stringify(t1)).not.toContain(SET(2));

    const tree2 = search(['--config', cfg, '--tree', String(s2.pid), '--format', 'jsonl']).records;
    expect(tree2.some((r) => r.attributes['ipset.set.name'] === SET(2))).toBe(true);
    expect(JSON.stringify(tree2)).not.toContain(SET(1));

    const byPid = search(['--config', cfg, '--pid', String(curlPid), '--format', 'jsonl']).records;
    expect(byPid.length).toBeGreaterThanOrEqual(4);
    expect(byPid.every((r) => r.attributes['process.pid'] === curlPid)).toBe(true);

    const tcp = search(['--config', cfg, '--event', 'network.tcp', '--port', String(port), '--format', 'jsonl']).records;
    expect(tcp.every((r) => r.eventName.startsWith('network.tcp.'))).toBe(true);
    expect(tcp.filter((r) => r.eventName === 'network.tcp.connect').map((r) => r.attributes['server.port'])).toEqual([port, port]);
    expect(tcp.filter((r) => r.eventName === 'network.tcp.accept')).toHaveLength(2);

    const curlConnects = search(['--config', cfg, '--address', '127.0.0.0/8', '--event', 'network.tcp.connect', '--exe', realpathSync('/usr/bin/curl'), '--format', 'jsonl']).records;
    expect(curlConnects.map((r) => r.attributes['process.executable.name'])).toEqual(['curl', 'curl']);
    expect(search(['--config', cfg, '--address', '10.0.0.0/8', '--event', 'network.tcp.connect', '--exe', 'curl']).status).toBe(1);

    const set1 = search(['--config', cfg, '--set', SET(1), '--format', 'jsonl']).records;
    expect(set1.map((r) => r.eventName)).toEqual(['ipset.create', 'ipset.add', 'ipset.destroy']);
    expect(search(['--config', cfg, '--set', SET(1), '--user', 'root', '--format', 'jsonl']).records).toEqual(set1);
    expect(search(['--config', cfg, '--set', SET(1), '--user', '0', '--format', 'jsonl']).records).toEqual(set1);
    const nobody = search(['--config', cfg, '--set', SET(1), '--user', 'nobody']);
    expect([nobody.status, nobody.out]).toEqual([1, '']);

    const text = search(['--config', cfg, '--text', `/search-1`]);
    // the shell's exec (its script names the URL) and curl's
    const lines = text.out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z exec .+\\[${s1.pid}\\] \\S*bash -c `));
    expect(lines[1]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z exec bash\\[${curlPid}\\] \\S*curl -s -m2 -o /dev/null http://127.0.0.1:${port}/search-1 `));

    expect(search(['--config', cfg, '--since', between, '--set', SET(1)]).status).toBe(1);
    expect(search(['--config', cfg, '--until', between, '--set', SET(2)]).status).toBe(1);
    expect(search(['--config', cfg, '--since', between, '--set', SET(2), '--format', 'jsonl']).records).toHaveLength(3);

    // the otlp-json file holds the same records
    const otlp = search([join(host.logDir, 'audit.otlp.json'), '--tree', String(s1.pid), '--format', 'jsonl']).records;
    const key = (r: Rec) => `${r.timestamp} ${r.eventName} ${r.attributes['process.pid']}`;
    expect(otlp.map(key)).toEqual(t1.map(key));

    const bad = search(['--config', cfg, '--since', 'yesterday']);
    expect(bad.status).toBe(2);
    expect(bad.err).toContain('yesterday: not an RFC 3339 time');
  });
});
