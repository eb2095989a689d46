// File exporters the way an installation runs them: default run_as
// (nobody), outputs under a root-owned tree. The files are opened before the
// privilege drop and keep being written after it; logrotate (the shipped
// snippet) rotates them; a full disk holds records back instead of losing
// them; a path that cannot be opened stops the start-up.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { projectRoot } from '../../receiver/src/paths';
import { failingCli, startCli, until } from '../helpers/cli';
import { installRoot } from '../helpers/install_root';
import { describeKernel } from '../helpers/kernel';
import { markedExecs } from '../helpers/processes';

const NOBODY = 65534;
const EXEC_ONLY = 'probes: { tcp: { connect: false, accept: false, close: false }, udp: { bind: false, connect: false, send: false, receive: false }, ipset: { enabled: false } }';

/** The complete lines of a jsonl file, parsed (a line still being written is left out). */
function jsonl(file: string): Array<{ eventName: string; attributes: Record<string, any> }> {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** The markers (argv[1] of /bin/true) in a jsonl file, in file order. */
function jsonlMarkers(file: string, prefix: string): string[] {
  return jsonl(file)
    .filter((r) => r.eventName === 'process.exec')
    .map((r) => r.attributes['process.command_args'][1])
    .filter((m) => typeof m === 'string' && m.startsWith(prefix));
}


describeKernel('file exporters in an installation', () => {
  it('the shipped example writes both files after the switch to nobody, with the documented modes', async () => {
    const host = installRoot('install');
    const example = readFileSync(join(projectRoot(), 'config', 'exporter-file.yaml'), 'utf8').replaceAll('/var/log/bpfaudit/', `${host.logDir}/`);
    const cfg = host.config('bpfaudit.yaml', [example, 'limits: { flush_interval_ms: 50 }']);
    const cli = await startCli(cfg);
    expect(cli.stderr()).toContain('now running as nobody (uid 65534) without capabilities');
    const prefix = `installed${process.pid}`;
    const markers = await markedExecs(prefix, 0, 3, 10);
    const jsonl = join(host.logDir, 'audit.jsonl');
    const otlpJson = join(host.logDir, 'audit.otlp.json');
    await until('the records in the jsonl file', () => jsonlMarkers(jsonl, prefix).length === 3);
    await until('the records in the otlp-json file', () => markers.every((m) => readFileSync(otlpJson, 'utf8').includes(m)));
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(jsonlMarkers(jsonl, prefix)).toEqual(markers);
    for (const line of readFileSync(otlpJson, 'utf8').split('\n').filter(Boolean)) expect(JSON.parse(line)).toHaveProperty('resourceLogs');
    expect(cli.stderr()).toMatch(/exporter\[0\]=file delivered=\d+ failed=0 write_retries=0/);
    expect(cli.stderr()).toMatch(/exporter\[1\]=file delivered=\d+ failed=0 write_retries=0/);
    expect(cli.stderr()).not.toMatch(/lost \d+ records/);

    const dir = statSync(host.logDir);
    expect([dir.uid, dir.mode & 0o7777]).toEqual([NOBODY, 0o750]);
    for (const f of [jsonl, otlpJson]) expect(statSync(f).mode & 0o7777).toBe(0o640);
    expect(statSync(join(host.root, 'var/log')).uid).toBe(0);
  });

  it('a path that cannot be opened, or a shared directory, stops the start-up with the path and the reason', async () => {
    const host = installRoot('badpath');
    writeFileSync(join(host.root, 'var/log/not-a-dir'), '');
    const blocked = join(host.root, 'var/log/not-a-dir/audit.jsonl');
    const r1 = await failingCli(host.config('blocked.yaml', [`exporters: [ { type: file, path: "${blocked}" } ]`]));
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain(`bpfaudit: cannot start: exporter[0] file ${blocked}: cannot open ${blocked}: EEXIST`);
    expect(r1.stderr).not.toMatch(/\n\s+at /);

    writeFileSync(join(host.root, 'var/log/syslog'), 'the host\'s own log\n');
    const shared = join(host.root, 'var/log/audit.jsonl');
    const r2 = await failingCli(host.config('shared.yaml', [EXEC_ONLY, `exporters: [ { type: file, path: "${shared}" } ]`]));
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(new RegExp(`cannot switch to nobody: ${join(host.root, 'var/log')} holds other files \\((syslog|not-a-dir)\\)`));
    expect(statSync(join(host.root, 'var/log')).uid).toBe(0);
  });

  it('logrotate with the shipped snippet rotates the file; every record is in exactly one of them', async () => {
    const host = installRoot('rotate');
    const file = join(host.logDir, 'audit.jsonl');
    const cfg = host.config('bpfaudit.yaml', [EXEC_ONLY, `exporters: [ { type: file, path: "${file}" } ]`, 'limits: { flush_interval_ms: 50 }']);
    const cli = await startCli(cfg);
    const prefix = `rotate${process.pid}`;
    const before = await markedExecs(prefix, 0, 10, 10);
    await until('the first records', () => jsonlMarkers(file, prefix).length === 10);

    const snippet = readFileSync(join(projectRoot(), 'deploy/logrotate/bpfaudit'), 'utf8')
      .replaceAll('/var/log/bpfaudit/', `${host.logDir}/`)
      .replace(/systemctl kill .*$/m, `kill -USR1 ${cli.child.pid}`);
    const conf = join(host.root, 'etc/logrotate.conf');
    writeFileSync(conf, snippet);
    execFileSync('logrotate', ['--force', '--state', join(host.root, 'var/lib/logrotate.status'), conf]);
    expect(statSync(file).uid).toBe(NOBODY);
    expect(statSync(`${file}.1`).uid).toBe(NOBODY);

    const after = await markedExecs(prefix, 10, 20, 10);
    await until('the later records in the new file', () => jsonlMarkers(file, prefix).length === 10);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(jsonlMarkers(`${file}.1`, prefix)).toEqual(before);
    expect(jsonlMarkers(file, prefix)).toEqual(after);
    expect(cli.stderr()).toMatch(/exporter\[0\]=file delivered=\d+ failed=0/);
  });

  it('a full disk holds the records back and retries; when there is room again every record arrives, in order', async () => {
    const host = installRoot('diskfull');
    mkdirSync(host.logDir, { mode: 0o755 });
    // room for the test's records and whatever else the host runs meanwhile once the filler is gone
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'bpfaudit-test', host.logDir]);
    try {
      const file = join(host.logDir, 'audit.jsonl');
      const cfg = host.config('bpfaudit.yaml', [EXEC_ONLY, `exporters: [ { type: file, path: "${file}" } ]`, 'limits: { flush_interval_ms: 50, stats_interval_ms: 500 }']);
      const cli = await startCli(cfg);
      const prefix = `full${process.pid}`;
      const first = await markedExecs(prefix, 0, 10, 10);
      await until('the first records', () => jsonlMarkers(file, prefix).length === 10);

      // fill the file system to the last byte
      const filler = join(host.logDir, 'audit.jsonl.filler');
      const fd = openSync(filler, 'w');
      try {
        for (;;) writeSync(fd, Buffer.alloc(4096));
      } catch (e) {
        expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        closeSync(fd);
      }
      const held = await markedExecs(prefix, 10, 40, 10);
      await until('the exporter to report the full disk', () => cli.stderr().includes('ENOSPC'));
      expect(cli.stderr()).toMatch(/holding \d+ records/);
      // long enough for bpfaudit.stats records (every 500 ms) to be made while records are held
      await new Promise((r) => setTimeout(r, 1500));

      unlinkSync(filler);
      const later = await markedExecs(prefix, 40, 50, 10);
      const all = [...first, ...held, ...later];
      await until('every record in the file', () => jsonlMarkers(file, prefix).length >= all.length, 20_000);
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      expect(jsonlMarkers(file, prefix)).toEqual(all);
      expect(cli.stderr()).toContain('writing again; the held records were delivered');
      const summary = /exporter\[0\]=file delivered=\d+ failed=(\d+) write_retries=(\d+)/.exec(cli.stderr())!;
      expect(Number(summary[1]), cli.stderr()).toBe(0);
      expect(Number(summary[2])).toBeGreaterThan(0);
      // the stats records written meanwhile said which exporter was holding records
      const stats = jsonl(file).filter((r) => r.eventName === 'bpfaudit.stats');
      expect(stats.some((r) => (r.attributes['bpfaudit.exporter.0.held'] ?? 0) > 0)).toBe(true);
    } finally {
      // lazily: a receiver still running after a failed assertion must not hide the failure
      execFileSync('umount', ['--lazy', host.logDir]);
    }
    expect(readdirSync(host.logDir)).toEqual([]);
  });
});
