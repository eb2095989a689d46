// Correlation across records: one process.entity_id per program run that
// every record of it carries, the parent named on exec records, the audit
// session as auditd sees it, ids that differ for a reused pid and for each
// exec, and agree across a receiver restart.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withAuditd } from '../../receiver/src/bench/auditd';
import { CapturedRun, type Attrs } from '../helpers/capture';
import { describeKernel } from '../helpers/kernel';
import { runProgram, startNode, startPython } from '../helpers/processes';

const attr = (r: ReadableLogRecord, k: string) => (r.attributes as Attrs)[k];
/** process.creation.time as ms: converted to wall clock per record, it moves with the clock's adjustments (µs) */
const createdMs = (r: ReadableLogRecord) => Date.parse(String(attr(r, 'process.creation.time')));

describeKernel('process identity', () => {
  let run: CapturedRun;
  const dir = mkdtempSync(join(tmpdir(), 'bpfaudit-identity-'));
  beforeAll(() => {
    run = new CapturedRun((c) => {
      c.dedup.kinds = [];
    });
  });
  afterAll(async () => {
    await run.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a login session runs curl and ipset: one id per program run, the shell as parent, the session as auditd has it', async () => {
    const sink = startNode('tcp_peer.js', ['sink', '127.0.0.1']);
    const { port } = await sink.next();
    const set = `bpfid${process.pid % 100000}`;
    const sessionFile = join(dir, 'session');
    const auid = 4242;
    const script = [
      `echo ${auid} > /proc/self/loginuid`,
      `cat /proc/self/sessionid > ${sessionFile}`,
      `curl -s -m 3 -o /dev/null http://127.0.0.1:${port}/ || true`,
      `ipset create ${set} hash:ip`,
      `ipset destroy ${set}`,
      // without it bash would exec the last command in its own place: that ipset would replace the shell
      'exit 0',
    ].join('\n');
    const stopAuditd = await withAuditd([['-a', 'always,exit', '-F', 'arch=b64', '-S', 'execve', '-F', `auid=${auid}`, '-k', 'bpfaudit_ses']]);
    let shellPid: number;
    try {
      const shell = spawn('setsid', ['bash', '-c', script], { stdio: 'ignore' });
      shellPid = shell.pid!;
      expect(await new Promise((r) => shell.on('exit', r))).toBe(0);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await stopAuditd();
      sink.child.kill();
    }
    const session = readFileSync(sessionFile, 'utf8').trim();

    const [bash] = await run.waitFor('process.exec', (a) => a['process.pid'] === shellPid && (a['process.command_args'] as string[])[0] === 'bash');
    const [curl] = await run.waitFor('process.exec', (a) => a['process.parent_pid'] === shellPid && String(a['process.executable.path']).endsWith('/curl'));
    const curlPid = attr(curl, 'process.pid') as number;
    const curlId = attr(curl, 'process.entity_id');
    // every record of that program run carries its id
    await run.waitFor('process.exit', (a) => a['process.pid'] === curlPid);
    const ofCurl = run.exporter.records.filter((r) => attr(r, 'process.pid') === curlPid);
    expect(ofCurl.map((r) => r.eventName).sort()).toEqual(['network.tcp.close', 'network.tcp.connect', 'process.exec', 'process.exit']);
    expect(new Set(ofCurl.map((r) => attr(r, 'process.entity_id')))).toEqual(new Set([curlId]));
    expect(curlId).not.toBe(attr(bash, 'process.entity_id'));
    // the parent, named on the exec record
    expect(curl.attributes).toMatchObject({
      'process.parent.entity_id': attr(bash, 'process.entity_id'),
      'process.parent.executable.path': realpathSync('/bin/bash'),
      'process.parent.command_args': ['bash', '-c', script],
    });
    const ipset = await run.waitForRecords((r) => r.eventName!.startsWith('ipset.') && attr(r, 'ipset.set.name') === set, 2);
    for (const r of ipset) expect(attr(r, 'process.parent.entity_id')).toBe(attr(bash, 'process.entity_id'));
    // the login session: the same on everything the shell did, and the one auditd reports for curl's execve
    for (const r of [curl, ...ofCurl, ...ipset]) expect(r.attributes).toMatchObject({ 'user.audit.id': String(auid), 'user.audit.session_id': session });
    const audit = readFileSync('/var/log/audit/audit.log', 'utf8').split('\n').find((l) => l.includes('key="bpfaudit_ses"') && l.includes(` pid=${curlPid} `));
    expect(audit, 'auditd logged curl\'s execve').toBeDefined();
    expect(/ ses=(\d+) /.exec(audit!)![1]).toBe(session);
  });

  it('each exec of a pid is a new program run; the process and its parent stay', async () => {
    const { pid } = await runProgram('/usr/bin/python3', ['-c', "import os; os.execv('/bin/true', ['true', 'second'])"]);
    const execs = await run.waitFor('process.exec', (a) => a['process.pid'] === pid, 2);
    const [python, second] = execs;
    expect(attr(python, 'process.entity_id')).not.toBe(attr(second, 'process.entity_id'));
    expect(Math.abs(createdMs(python) - createdMs(second))).toBeLessThanOrEqual(1);
    expect(attr(python, 'process.parent.entity_id')).toBe(attr(second, 'process.parent.entity_id'));
    // the parent is still the process that forked it, not the program it replaced
    expect(attr(second, 'process.parent_pid')).toBe(process.pid);
  });

  it('a pid reused by a later process gets another id', async () => {
    const first = await runProgram('/bin/true', ['first']);
    let again: { pid: number } | undefined;
    for (let i = 0; i < 50 && again?.pid !== first.pid; i++) {
      // the next pid the kernel hands out is ns_last_pid + 1
      writeFileSync('/proc/sys/kernel/ns_last_pid', String(first.pid - 1));
      again = await runProgram('/bin/true', ['again']);
    }
    expect(again!.pid, 'the pid was reused').toBe(first.pid);
    const [a] = await run.waitFor('process.exec', (x) => x['process.pid'] === first.pid && (x['process.command_args'] as string[])[1] === 'first');
    const [b] = await run.waitFor('process.exec', (x) => x['process.pid'] === first.pid && (x['process.command_args'] as string[])[1] === 'again');
    expect(attr(a, 'process.entity_id')).not.toBe(attr(b, 'process.entity_id'));
    expect(createdMs(b)).toBeGreaterThanOrEqual(createdMs(a));
  });
});

describeKernel('process identity across a receiver restart', () => {
  it('the same program run has the same id in both receivers', async () => {
    const sink = startNode('tcp_peer.js', ['sink', '127.0.0.1']);
    const { port } = await sink.next();
    const peer = startPython('connect_twice.py', ['127.0.0.1', String(port)]);
    await peer.next();
    const runA = new CapturedRun((c) => {
      c.dedup.kinds = [];
    });
    let before: ReadableLogRecord;
    try {
      peer.child.kill('SIGUSR1');
      expect((await peer.next()).connected).toBe(1);
      [before] = await runA.waitFor('network.tcp.connect', (a) => a['process.pid'] === peer.pid);
    } finally {
      await runA.stop();
    }
    const runB = new CapturedRun((c) => {
      c.dedup.kinds = [];
    });
    try {
      peer.child.kill('SIGUSR1');
      expect((await peer.next()).connected).toBe(2);
      const [after] = await runB.waitFor('network.tcp.connect', (a) => a['process.pid'] === peer.pid);
      expect(attr(after, 'process.entity_id')).toBe(attr(before, 'process.entity_id'));
      expect(Math.abs(createdMs(after) - createdMs(before))).toBeLessThanOrEqual(1);
    } finally {
      await runB.stop();
      sink.child.kill();
    }
  });
});
