// Every ipset command and its result, against the real kernel: the ipset
// tool through an administrator's session (and an `ipset restore`), and a
// netlink client that is not the ipset tool, sending with sendmsg(), write() and io_uring.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CapturedRun } from '../helpers/capture';
import { describeKernel } from '../helpers/kernel';
import { startBinary } from '../helpers/processes';
import { uringPeer } from '../helpers/uring';

const P = `bpfa${process.pid % 100000}`;
const S1 = `${P}_web`;
const S2 = `${P}_new`;
const S3 = `${P}_old`;
const R1 = `${P}_r4`;
const R2 = `${P}_r6`;
const MISSING = `${P}_missing`;

function ipset(args: string[], input?: string): number {
  const r = spawnSync('ipset', args, { input, stdio: ['pipe', 'ignore', 'ignore'] });
  return r.pid!;
}

function summary(r: ReadableLogRecord) {
  const a = r.attributes;
  return [r.eventName, a['ipset.command'], a['ipset.set.name'], a['ipset.set.type'] ?? a['ipset.set.name2'] ?? a['ipset.entry'] ?? null, a['ipset.result'], a['error.type'] ?? null];
}

describeKernel('ipset audit', () => {
  let run: CapturedRun;
  const dir = mkdtempSync(join(tmpdir(), 'bpfaudit-ipset-'));

  beforeAll(() => {
    run = new CapturedRun();
  });

  afterAll(async () => {
    for (const s of [S1, S2, S3, R1, R2]) spawnSync('ipset', ['destroy', s], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
    const stats = await run.stop();
    expect(Object.values(stats.kernel.lost).every((n) => n === 0)).toBe(true);
    expect(run.errors).toEqual([]);
  });

  it("an administrator's session gives one record per operation, in order, with its result", async () => {
    const pids: number[] = [];
    const step = (args: string[], input?: string) => pids.push(ipset(args, input));
    step(['create', S1, 'hash:ip']);
    step(['add', S1, '192.0.2.1']);
    step(['test', S1, '192.0.2.1']);
    step(['test', S1, '192.0.2.9']);
    step(['create', S2, 'hash:ip']);
    step(['add', S2, '192.0.2.77']);
    step(['rename', S2, S3]);
    step(['swap', S1, S3]);
    step(['swap', S1, MISSING]);
    step(['list', S1]);
    step(['save', S1]);
    step(['flush', S1]);
    step(['destroy', S1]);
    step(['destroy', MISSING]);
    const file = join(dir, 'restore.txt');
    writeFileSync(file, [
      `create ${R1} hash:ip family inet hashsize 1024 maxelem 65536`,
      `add ${R1} 192.0.2.10`,
      `add ${R1} 192.0.2.11`,
      `add ${R1} 192.0.2.12`,
      `create ${R2} hash:net,port family inet6`,
      `add ${R2} 2001:db8::/64,udp:53`,
      `add ${R2} 2001:db8:1::/48,tcp:80-90`,
      '',
    ].join('\n'));
    step(['restore', '-file', file]);

    const mine = (a: Record<string, unknown>) => pids.includes(a['process.pid'] as number);
    const expected = [
      ['ipset.create', 'create', S1, 'hash:ip', 'success', null],
      ['ipset.add', 'add', S1, '192.0.2.1', 'success', null],
      ['ipset.test', 'test', S1, '192.0.2.1', 'success', null],
      ['ipset.test', 'test', S1, '192.0.2.9', 'error', 'IPSET_ERR_EXIST'],
      ['ipset.create', 'create', S2, 'hash:ip', 'success', null],
      ['ipset.add', 'add', S2, '192.0.2.77', 'success', null],
      ['ipset.rename', 'rename', S2, S3, 'success', null],
      ['ipset.swap', 'swap', S1, S3, 'success', null],
      ['ipset.swap', 'swap', S1, MISSING, 'error', 'IPSET_ERR_EXIST_SETNAME2'],
      ['ipset.list', 'list', S1, null, 'success', null],
      ['ipset.list', 'save', S1, null, 'success', null],
      ['ipset.flush', 'flush', S1, null, 'success', null],
      ['ipset.destroy', 'destroy', S1, null, 'success', null],
      ['ipset.destroy', 'destroy', MISSING, null, 'error', 'ENOENT'],
      ['ipset.create', 'create', R1, 'hash:ip', 'success', null],
      ['ipset.add', 'add', R1, '192.0.2.10', 'success', null],
      ['ipset.add', 'add', R1, '192.0.2.11', 'success', null],
      ['ipset.add', 'add', R1, '192.0.2.12', 'success', null],
      ['ipset.create', 'create', R2, 'hash:net,port', 'success', null],
      ['ipset.add', 'add', R2, '2001:db8::/64,udp:53', 'success', null],
      ['ipset.add', 'add', R2, '2001:db8:1::/48,tcp:80-90', 'success', null],
    ];
    const records = await run.waitForRecords(
      (r) => r.eventName!.startsWith('ipset.') && mine(r.attributes as Record<string, unknown>),
      expected.length,
    );
    expect(records.map(summary)).toEqual(expected);

    const failed = records.filter((r) => r.attributes['ipset.result'] === 'error');
    expect(failed.every((r) => r.severityNumber === 13 && r.severityText === 'WARN')).toBe(true);
    expect(records.filter((r) => r.attributes['ipset.result'] === 'success').every((r) => r.severityNumber === 9)).toBe(true);
    expect(failed.map((r) => r.attributes['ipset.error.code'])).toEqual([4103, 4101, 2]);
    expect(records[0].body).toBe(`ipset[${pids[0]}] CREATE ${S1} (type: hash:ip) - SUCCESS`);
    expect(records[13].body).toBe(`ipset[${pids[13]}] DESTROY ${MISSING} - ERROR (ENOENT)`);
    expect(records[0].attributes).toMatchObject({ 'process.executable.path': '/usr/sbin/ipset', 'process.parent_pid': process.pid, 'user.id': '0' });
  });

  it('a netlink client other than the ipset tool is captured too (sendmsg)', async () => {
    const name = `${P}_py`;
    const client = (cmd: string) => JSON.parse(execFileSync('/usr/bin/python3', [join(__dirname, '..', 'helpers', 'peers', 'ipset_netlink.py'), cmd, name], { encoding: 'utf8' }));
    const created = client('create');
    const destroyed = client('destroy');
    const again = client('destroy');
    expect([created.error, destroyed.error, again.error]).toEqual([0, 0, 2]);
    const pick = async (pid: number) => (await run.waitFor(`ipset.${pid === created.pid ? 'create' : 'destroy'}`, (a) => a['process.pid'] === pid))[0];
    expect(summary(await pick(created.pid))).toEqual(['ipset.create', 'create', name, 'hash:ip', 'success', null]);
    expect(summary(await pick(destroyed.pid))).toEqual(['ipset.destroy', 'destroy', name, null, 'success', null]);
    const failed = await pick(again.pid);
    expect(summary(failed)).toEqual(['ipset.destroy', 'destroy', name, null, 'error', 'ENOENT']);
    expect(failed.attributes['process.executable.name']).toMatch(/^python3/);
  });

  for (const mode of ['netlink-write', 'netlink-sendmsg']) {
    it(`commands sent with ${mode === 'netlink-write' ? 'write()' : 'io_uring SENDMSG'} are captured, with their results`, async () => {
      const name = `${P}_${mode === 'netlink-write' ? 'w' : 'u'}`;
      const hex = (cmd: string) => execFileSync('/usr/bin/python3', [join(__dirname, '..', 'helpers', 'peers', 'ipset_netlink.py'), 'hex', cmd, name], { encoding: 'utf8' }).trim();
      try {
        const peer = startBinary(uringPeer(), [mode, hex('create'), hex('destroy'), hex('destroy')]);
        await peer.next();
        expect((await peer.next()).done).toBe(true);
        expect(await peer.exited).toBe(0);
        const records = await run.waitForRecords((r) => r.eventName!.startsWith('ipset.') && r.attributes['process.pid'] === peer.pid, 3);
        expect(records.map(summary)).toEqual([
          ['ipset.create', 'create', name, 'hash:ip', 'success', null],
          ['ipset.destroy', 'destroy', name, null, 'success', null],
          ['ipset.destroy', 'destroy', name, null, 'error', 'ENOENT'],
        ]);
      } finally {
        spawnSync('ipset', ['destroy', name], { stdio: 'ignore' });
      }
    });
  }
});
