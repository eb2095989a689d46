// The syslog exporter against a real syslog daemon (rsyslogd, started by the
// test on loopback ports and a socket of its own): the receiver as installed
// (`bpfaudit run`, dropping to nobody) sends exec, TCP and ipset records over
// the local socket, UDP, TCP and TLS, in RFC 5424 and RFC 3164, with
// structured data and as JSON; rsyslogd's own parse is what is checked.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startCli, until, type Cli } from '../helpers/cli';
import { installRoot } from '../helpers/install_root';
import { describeKernel } from '../helpers/kernel';
import { markedExecs, runProgram, startNode } from '../helpers/processes';
import { freePorts, makeCertificates, Rsyslog, type RsyslogInputs, type SyslogLine } from '../helpers/rsyslog';

const host = installRoot('syslog');
const SD = 'bpfaudit@32473';
const SET = `bpfa${process.pid % 100000}_syslog`;

/** RFC 5424's SD-PARAM unescaping is rsyslog's; this undoes the text format's escapes on top. */
function unescapeText(s: string): string {
  return s.replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|.)/g, (_, e: string) =>
    e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === 'e' ? '\x1b' : e.length > 1 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e,
  );
}

function rsyslogDir(name: string): string {
  const dir = join(host.root, 'run', name);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(join(host.root, 'run'), 0o755);
  return dir;
}

/** rsyslogd with these inputs, and the receiver as installed with one syslog exporter to `endpoint`. */
async function daemonAndReceiver(name: string, inputs: RsyslogInputs, endpoint: string): Promise<{ daemon: Rsyslog; cli: Cli }> {
  const daemon = new Rsyslog(rsyslogDir(name), inputs);
  await daemon.start();
  const config = host.config(`${name}.yaml`, [
    'probes: { inbound: { enabled: false } }',
    `exporters: [ { type: syslog, endpoint: "${endpoint}" } ]`,
    'limits: { flush_interval_ms: 50, idle_flush_ms: 20 }',
  ]);
  return { daemon, cli: await startCli(config) };
}

/** A message cut to its limit: flagged with its length before, the structured data still well-formed. */
function expectCut(l: SyslogLine, pid: number, limit: number): void {
  expect(Buffer.byteLength(l.raw)).toBeLessThanOrEqual(limit);
  expect(Number(l.params[SD].truncated_from)).toBeGreaterThan(limit);
  expect(l.params[SD]['process.pid']).toBe(String(pid));
}

describeKernel('syslog exporter', () => {
  it('exec, TCP and ipset records reach rsyslogd over unix, UDP, TCP and TLS, intact and unforgeable', async () => {
    const dir = rsyslogDir('all');
    const certs = makeCertificates(join(host.root, 'etc/bpfaudit/tls'));
    const [udp, udp2048, tcp, tcp3164, tls] = await freePorts(5);
    const socket = join(dir, 'log.sock');
    const daemon = new Rsyslog(dir, { socket, udp: { udp, udp2048 }, tcp: { tcp, tcp3164 }, tls: { tls }, certificates: certs.server });
    await daemon.start();

    const config = host.config('syslog.yaml', [
      'probes: { inbound: { enabled: false } }',
      'exporters:',
      `  - { type: syslog, endpoint: "unix://${socket}" }`,
      `  - { type: syslog, endpoint: "udp://127.0.0.1:${udp}", facility: local3, max_message_bytes: 16384 }`,
      `  - { type: syslog, endpoint: "tcp://127.0.0.1:${tcp}", message: json }`,
      `  - { type: syslog, endpoint: "tcp://127.0.0.1:${tcp3164}", format: rfc3164 }`,
      `  - { type: syslog, endpoint: "tls://127.0.0.1:${tls}", tls: { ca_file: "${certs.client.ca}", cert_file: "${certs.client.cert}", key_file: "${certs.client.key}" } }`,
      `  - { type: syslog, endpoint: "udp://127.0.0.1:${udp2048}" }`,
      'limits: { flush_interval_ms: 50, idle_flush_ms: 20 }',
    ]);
    const cli = await startCli(config);
    const receiverPid = String(cli.child.pid);

    const started = Date.now();
    const marker = `syslog-${process.pid}`;
    // each of these must stay inside its parameter: a newline, the SD's own delimiters, a forged element and header
    const hostile = ['a\nb', ']', '"', '\\', `x"] [meta sequenceId="1"] <13>1 - forged - - - -`, 'tab\there'];
    const exec = await runProgram('/bin/true', [marker, ...hostile]);
    const long = await runProgram('/bin/true', [`${marker}-long`, 'y'.repeat(3000)]);
    const srv = startNode('tcp_peer.js', ['server', '127.0.0.1', '10']);
    const { port } = await srv.next();
    const client = startNode('tcp_peer.js', ['client', '127.0.0.1', String(port), '20']);
    await client.exited;
    await srv.exited;
    const create = spawnSync('ipset', ['create', SET, 'hash:ip']);
    spawnSync('ipset', ['destroy', SET]);
    expect(create.status).toBe(0);

    const inputs = ['imuxsock', 'udp', 'tcp', 'tcp3164', 'tls'];
    const from = (input: string) => daemon.lines().filter((l) => l.input === input);
    const find = (input: string, msgid: string, test: (l: SyslogLine) => boolean) => from(input).filter((l) => (input === 'tcp3164' ? l.msg.trimStart().startsWith(`${msgid} `) : l.msgid === msgid) && test(l));
    const pidIs = (pid: number) => (l: SyslogLine) => l.raw.includes(`process.pid="${pid}"`) || l.raw.includes(`"process.pid":${pid},`);
    const missing = () =>
      inputs.flatMap((i) => [
        ...(find(i, 'process.exec', pidIs(exec.pid)).length ? [] : [`${i}: exec`]),
        ...(find(i, 'process.exec', pidIs(long.pid)).length ? [] : [`${i}: long exec`]),
        ...(find(i, 'network.tcp.close', pidIs(client.pid)).length ? [] : [`${i}: tcp close`]),
        ...(find(i, 'ipset.create', (l) => l.raw.includes(SET)).length ? [] : [`${i}: ipset create`]),
      ]).concat(find('udp2048', 'process.exec', pidIs(long.pid)).length ? [] : ['udp2048: long exec']);
    await until('every record on every input', () => missing().length === 0, 20_000).catch(() => {
      throw new Error(`missing ${missing().join(', ')}; the receiver said:\n${cli.stderr()}`);
    });
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    await daemon.stop();
    const summary = cli.stderr();
    expect(summary).toContain('now running as nobody');

    for (const input of inputs) {
      const lines = from(input);
      // one message per record: nothing a process supplied split one or made a second
      for (const l of lines) expect(l.raw).not.toMatch(/[\x00-\x1f\x7f]/);
      expect(lines.filter((l) => l.raw.includes('forged') && !pidIs(exec.pid)(l) && !l.raw.includes(marker))).toEqual([]);
      const [e] = find(input, 'process.exec', pidIs(exec.pid));
      expect(find(input, 'process.exec', pidIs(exec.pid))).toHaveLength(1);
      expect(e.app).toBe('bpfaudit');
      expect(e.procid).toBe(receiverPid);
      expect(e.pri).toBe((input === 'udp' ? 19 : 10) * 8 + 6);
      if (input === 'tcp3164') {
        // RFC 3164 has no structured data: the element is text in MSG, after the event name
        expect(e.msg).toContain(`[${SD} process.pid="${exec.pid}"`);
        continue;
      }
      expect(e.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(Date.parse(e.timestamp)).toBeGreaterThanOrEqual(started - 1000);
      expect(Date.parse(e.timestamp)).toBeLessThanOrEqual(Date.now());
      expect(Number(e.params.meta.sequenceId)).toBeGreaterThan(0);
      if (input === 'tcp') {
        // MSG is the record's JSON object; the header's time is its timestamp to the microsecond
        const j = JSON.parse(e.msg);
        expect(j.attributes['process.command_args']).toEqual(['/bin/true', marker, ...hostile]);
        expect(j.timestamp.slice(0, 26) + 'Z').toBe(e.timestamp);
        expect(e.params[SD]).toBeUndefined();
        // the argument once (no body and parameters both): under 8,192 bytes, whole
        expect(JSON.parse(find(input, 'process.exec', pidIs(long.pid))[0].msg).attributes['process.command_args'][2]).toBe('y'.repeat(3000));
        continue;
      }
      const p = e.params[SD];
      expect(p['process.pid']).toBe(String(exec.pid));
      expect(p['process.executable.path']).toBe(realpathSync('/bin/true'));
      expect(p['process.args_count']).toBe(String(hostile.length + 2));
      expect(hostile.map((_, i) => unescapeText(p[`process.command_args.${i + 2}`]))).toEqual(hostile);
      expect(p['process.command_args.1']).toBe(marker);
      expect(p['process.user.id']).toBe('0');
      expect(e.msg).toContain(`${marker} a\\nb ] `);

      const close = find(input, 'network.tcp.close', pidIs(client.pid))[0].params[SD];
      expect(close).toMatchObject({ 'server.address': '127.0.0.1', 'server.port': String(port), 'network.transport': 'tcp', 'connection.bytes_sent': '20', 'connection.bytes_received': '10' });
      const set = find(input, 'ipset.create', (l) => l.raw.includes(SET))[0].params[SD];
      expect(set).toMatchObject({ 'ipset.set.name': SET, 'ipset.set.type': 'hash:ip', 'ipset.result': 'success', 'process.pid': String(create.pid) });

      // 3,000 bytes of argument, in the structured data and the body, and the parent's command line:
      // more than 8,192 bytes, kept whole where up to 16,384 are allowed
      const [big] = find(input, 'process.exec', pidIs(long.pid));
      if (input === 'udp') expect(big.params[SD]['process.command_args.2']).toBe('y'.repeat(3000));
      else expectCut(big, long.pid, 8192);
    }
    // UDP's default: the 2,048 bytes RFC 5426 asks every receiver to take
    expectCut(find('udp2048', 'process.exec', pidIs(long.pid))[0], long.pid, 2048);
    // other execs on the host may have been cut too; the long one was, wherever it did not fit
    for (const i of [0, 3, 4, 5]) {
      const m = new RegExp(`exporter\\[${i}\\]=syslog delivered=(\\d+) failed=0 write_retries=0 sent=(\\d+) truncated=(\\d+) resent=0 reconnects=0`).exec(summary);
      expect(m, summary).not.toBeNull();
      expect(m![1]).toBe(m![2]);
      expect(Number(m![3]), summary).toBeGreaterThanOrEqual(1);
    }
  });

  it('rsyslogd restarting, and hanging then killed, mid-stream over TCP: nothing lost, copies carry the sequenceId they had', async () => {
    const [tcp] = await freePorts(1);
    const { daemon, cli } = await daemonAndReceiver('restart', { tcp: { tcp } }, `tcp://127.0.0.1:${tcp}`);

    const prefix = `restart-${process.pid}`;
    const execs = markedExecs(prefix, 0, 300, 5);
    await until('the first records at rsyslogd', () => daemon.lines().some((l) => l.raw.includes(`${prefix}-00`)), 10_000);
    await daemon.stop();
    await new Promise((r) => setTimeout(r, 700));
    await daemon.start();
    // and once as a hang ended by a kill: what waited in its socket buffer is gone with it
    await until('more records at rsyslogd', () => daemon.lines().some((l) => l.raw.includes(`${prefix}-01`)), 10_000);
    daemon.hang();
    await new Promise((r) => setTimeout(r, 500));
    await daemon.stop('SIGKILL');
    await daemon.start();
    const markers = await execs;
    const arrived = () => new Set(daemon.lines().flatMap((l) => markers.filter((m) => l.msgid === 'process.exec' && l.raw.includes(`"${m}"`))));
    await until('every exec at rsyslogd', () => arrived().size === markers.length, 20_000).catch(() => {
      throw new Error(`${markers.length - arrived().size} of ${markers.length} execs missing; the receiver said:\n${cli.stderr()}`);
    });
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    await daemon.stop();

    const m = /exporter\[0\]=syslog delivered=(\d+) failed=0 write_retries=\d+ sent=(\d+) truncated=\d+ resent=(\d+) reconnects=(\d+)/.exec(cli.stderr());
    expect(m, cli.stderr()).not.toBeNull();
    const [delivered, sent, resent, reconnects] = m!.slice(1).map(Number);
    expect(reconnects).toBeGreaterThanOrEqual(2);
    expect(resent).toBeGreaterThan(0);
    expect(delivered).toBe(sent);
    // every message the receiver sent is there, by sequence number; a copy is the same message
    const bySeq = new Map<number, string>();
    for (const l of daemon.lines()) {
      const seq = Number(/\[meta sequenceId="(\d+)"\]/.exec(l.raw)![1]);
      if (bySeq.has(seq)) expect(l.raw).toBe(bySeq.get(seq));
      bySeq.set(seq, l.raw);
    }
    expect([...bySeq.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
  }, 90_000);

  it('the local socket: records made while rsyslogd restarts are held, then delivered on a new socket', async () => {
    const socket = join(rsyslogDir('unix-restart'), 'log.sock');
    const { daemon, cli } = await daemonAndReceiver('unix-restart', { socket }, `unix://${socket}`);
    const prefix = `unix-${process.pid}`;
    await markedExecs(prefix, 0, 20, 5);
    await until('the first records at rsyslogd', () => daemon.lines().some((l) => l.raw.includes(`${prefix}-0019`)), 10_000);
    await daemon.stop();
    const during = await markedExecs(prefix, 20, 60, 5);
    await until('the receiver to hold records', () => /holding \d+ records/.test(cli.stderr()), 10_000);
    await daemon.start();
    const arrived = () => during.filter((m) => daemon.lines().some((l) => l.msgid === 'process.exec' && l.raw.includes(`"${m}"`)));
    await until('the execs made while it was down', () => arrived().length === during.length, 20_000);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    await daemon.stop();
    expect(cli.stderr()).toContain('writing again; the held records were delivered');
    const m = /exporter\[0\]=syslog delivered=(\d+) failed=0 write_retries=(\d+) sent=(\d+) truncated=\d+ resent=0 reconnects=(\d+)/.exec(cli.stderr());
    expect(m, cli.stderr()).not.toBeNull();
    expect(m![1]).toBe(m![3]);
    expect(Number(m![2])).toBeGreaterThan(0);
    expect(Number(m![4])).toBeGreaterThanOrEqual(1);
  });
});
