// network.inbound.* against the real kernel: a veth pair into a test
// namespace, the program on the host end (attached when the interface
// appears, to a receiver already running as nobody), a port scan, a UDP
// flood, light IPv6 traffic and VLAN-tagged frames from the namespace.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCli, until } from '../helpers/cli';
import { installRoot } from '../helpers/install_root';
import { describeKernel } from '../helpers/kernel';
import { NetNs } from '../helpers/netns';

const OTHER_PROBES_OFF = 'exec: { enabled: false, exit: false }, tcp: { connect: false, accept: false, close: false }, udp: { bind: false, connect: false, send: false, receive: false }, ipset: { enabled: false }';

interface Rec {
  eventName: string;
  severityText: string;
  body: string;
  attributes: Record<string, any>;
}

function records(file: string): Rec[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** Runs a Node script inside the namespace and waits for it. */
function inNs(ns: NetNs, script: string, args: (string | number)[]): void {
  const r = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, '-e', script, ...args.map(String)], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`script in ${ns.name} failed: ${r.stderr}`);
}

const SCAN = `
const net = require('net');
const [host, src, first, count] = process.argv.slice(1);
const one = (port) => new Promise((done) => {
  const s = net.connect({ host, port, localAddress: src });
  s.on('error', done);
  s.on('connect', () => { s.destroy(); done(); });
});
(async () => {
  for (let i = 0; i < +count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, +count - i) }, (_, j) => one(+first + i + j)));
  }
})();`;

const UDP = `
const dgram = require('dgram');
const [type, host, src, port, total] = process.argv.slice(1);
const s = dgram.createSocket(type);
s.bind({ address: src }, async () => {
  const payload = Buffer.alloc(16);
  for (let sent = 0; sent < +total; ) {
    const n = Math.min(500, +total - sent);
    await new Promise((done) => { let k = 0; for (let i = 0; i < n; i++) s.send(payload, +port, host, () => { if (++k === n) done(); }); });
    sent += n;
  }
  s.close();
});`;

/** Writes UDP frames with VLAN tags (comma-separated ids, outermost first) on an interface. */
const RAW_VLAN = `
import socket, struct, sys
dev, dst, src, tags, count = sys.argv[1:]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
mac = lambda m: bytes.fromhex(m.replace(':', ''))
payload = bytes(16)
udp = struct.pack('!HHHH', 40000, 9999, 8 + len(payload), 0) + payload
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, socket.inet_aton(src), socket.inet_aton(src[:src.rindex('.')] + '.1'))
csum = sum(struct.unpack('!10H', ip))
csum = (csum & 0xffff) + (csum >> 16)
ip = ip[:10] + struct.pack('!H', ~csum & 0xffff) + ip[12:]
frame = mac(dst) + mac(open('/sys/class/net/%s/address' % dev).read().strip())
for t in tags.split(','):
    frame += struct.pack('!HH', 0x8100, int(t))
frame += struct.pack('!H', 0x0800) + ip + udp
for _ in range(int(count)):
    s.send(frame)
`;

interface TcxLink {
  progId: number;
  ifindex: number;
  attachType: string;
}

/** The tcx links the receiver's helper holds, from the kernel's fdinfo (this bpftool predates tcx). */
function helperLinks(cliPid: number): TcxLink[] {
  const r = spawnSync('pgrep', ['-P', String(cliPid), '-x', 'bpfaudit-tcx'], { encoding: 'utf8' });
  const pid = r.stdout.trim();
  if (!pid) return [];
  return readdirSync(`/proc/${pid}/fdinfo`).flatMap((fd) => {
    const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    if (!/^link_type:\ttcx$/m.test(info)) return [];
    const field = (name: string) => new RegExp(`^${name}:\\t(.*)$`, 'm').exec(info)![1];
    return [{ progId: Number(field('prog_id')), ifindex: Number(field('ifindex')), attachType: field('attach_type') }];
  });
}

const ifindex = (dev: string) => Number(readFileSync(`/sys/class/net/${dev}/ifindex`, 'utf8'));

describeKernel('inbound activity by source address', () => {
  const tag = `${process.pid % 10000}${Math.floor(Math.random() * 100)}`;
  const hostIf = `bpfi${tag}h`;
  const nsIf = `bpfi${tag}n`;
  const net = 1 + (process.pid % 250);
  const [hostV4, scanV4, floodV4] = [1, 2, 3].map((h) => `10.251.${net}.${h}`);
  const [hostV6, lightV6] = [1, 2].map((h) => `fd77:${net}::${h}`);
  let ns: NetNs;

  beforeAll(() => {
    ns = new NetNs('bpfaudit-inbound');
  });

  afterAll(() => {
    ns.remove();
    // the host end goes with its peer; delete it in case the namespace never got it
    spawnSync('ip', ['link', 'delete', hostIf]);
  });

  it('a scan and a flood each raise one alert, light IPv6 traffic one summary; the thresholds reload; nothing stays attached', async () => {
    const host = installRoot('inbound');
    const file = join(host.logDir, 'inbound.jsonl');
    const config = (distinctPorts: number) => host.config('bpfaudit.yaml', [
      `probes: { ${OTHER_PROBES_OFF}, inbound: { interfaces: ["bpfi${tag}*"], window_seconds: 600, min_packets: 5,`,
      `  alerts: { packets_per_second: 2000, bytes_per_second: 0, distinct_ports: ${distinctPorts}, closed_port_syns: 250 } } }`,
      `exporters: [ { type: file, path: "${file}" } ]`,
    ]);
    const cli = await startCli(config(1000));
    expect(cli.stderr()).toContain('now running as nobody');

    // the interface appears after the privilege drop: the helper attaches it
    execFileSync('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', ns.name]);
    execFileSync('ip', ['addr', 'add', `${hostV4}/24`, 'dev', hostIf]);
    execFileSync('ip', ['addr', 'add', `${hostV6}/64`, 'dev', hostIf, 'nodad']);
    execFileSync('ip', ['link', 'set', hostIf, 'up']);
    for (const a of [`${scanV4}/24`, `${floodV4}/24`]) execFileSync('ip', ['-n', ns.name, 'addr', 'add', a, 'dev', nsIf]);
    execFileSync('ip', ['-n', ns.name, 'addr', 'add', `${lightV6}/64`, 'dev', nsIf, 'nodad']);
    execFileSync('ip', ['-n', ns.name, 'link', 'set', nsIf, 'up']);
    await until('the program on the new interface', () => helperLinks(cli.child.pid!).some((l) => l.ifindex === ifindex(hostIf)));
    const links = helperLinks(cli.child.pid!);
    // the pattern names only this test's interface; its peer lives in the namespace
    expect(links.map((l) => [l.ifindex, l.attachType])).toEqual([[ifindex(hostIf), '46 (ingress)']]);

    // thresholds reload with SIGHUP: the scan stays under 1000 distinct ports and crosses 280
    config(280);
    cli.child.kill('SIGHUP');
    await until('the reload', () => cli.stderr().includes('bpfaudit: reloaded'));
    expect(cli.stderr()).not.toContain('not applied');

    inNs(ns, SCAN, [hostV4, scanV4, 31000, 300]);
    inNs(ns, UDP, ['udp4', hostV4, floodV4, 9999, 200_000]);
    inNs(ns, UDP, ['udp6', hostV6, lightV6, 9999, 10]);

    // tagged frames, written raw (this kernel has no VLAN devices): one 802.1Q tag, which the kernel strips
    // before ingress (counted), and two stacked (QinQ: passed on uncounted)
    const [taggedV4, qinqV4] = [`10.250.${net}.2`, `10.249.${net}.2`];
    const dst = readFileSync(`/sys/class/net/${hostIf}/address`, 'utf8').trim();
    execFileSync('ip', ['netns', 'exec', ns.name, 'python3', '-c', RAW_VLAN, nsIf, dst, taggedV4, '100', '20']);
    execFileSync('ip', ['netns', 'exec', ns.name, 'python3', '-c', RAW_VLAN, nsIf, dst, qinqV4, '100,200', '20']);

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(helperLinks(cli.child.pid!)).toEqual([]);
    const progs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })) as { id: number }[];
    expect(progs.map((p) => p.id)).not.toContain(links[0].progId);
    expect(execFileSync('tc', ['filter', 'show', 'dev', hostIf, 'ingress'], { encoding: 'utf8' })).toBe('');
    expect(execFileSync('tc', ['qdisc', 'show', 'dev', hostIf], { encoding: 'utf8' })).not.toContain('clsact');

    const all = records(file);
    const from = (address: string, event: string) => all.filter((r) => r.eventName === event && r.attributes['source.address'] === address);
    const place = { 'network.interface.name': hostIf, 'bpfaudit.netns.inode': statSync('/proc/self/ns/net').ino };

    const [scan] = from(scanV4, 'network.inbound.alert');
    expect(from(scanV4, 'network.inbound.alert')).toHaveLength(1);
    expect(scan.severityText).toBe('WARN');
    expect(scan.attributes).toMatchObject({ ...place, 'network.type': 'ipv4', 'bpfaudit.alert.rule': 'scan.distinct_ports', 'bpfaudit.alert.threshold': 280 });
    expect(scan.attributes['bpfaudit.alert.rules']).toEqual(['scan.distinct_ports', 'scan.closed_port_syns']);
    expect(scan.attributes['bpfaudit.inbound.distinct_ports']).toBeGreaterThanOrEqual(290);
    expect(scan.attributes['bpfaudit.inbound.syns']).toBe(300);
    expect(scan.attributes['bpfaudit.inbound.closed_port_syns']).toBe(300);
    expect(scan.body).toContain(`inbound alert from ${scanV4} on ${hostIf}: scan.distinct_ports=`);
    expect(from(scanV4, 'network.inbound.summary')).toHaveLength(1);

    const [flood] = from(floodV4, 'network.inbound.alert');
    expect(from(floodV4, 'network.inbound.alert')).toHaveLength(1);
    expect(flood.attributes).toMatchObject({ ...place, 'bpfaudit.alert.rule': 'heavy.packets_per_second', 'bpfaudit.alert.threshold': 2000 });
    expect(flood.attributes['bpfaudit.inbound.packets']).toBe(200_000);
    expect(flood.attributes['bpfaudit.alert.value']).toBeGreaterThanOrEqual(2000);
    // 16 bytes of payload + UDP 8 + IPv4 20 + Ethernet 14
    expect(flood.attributes['bpfaudit.inbound.bytes']).toBe(200_000 * 58);
    expect(flood.attributes['bpfaudit.inbound.distinct_ports']).toBe(1);

    const light = from(lightV6, 'network.inbound.summary');
    expect(light).toHaveLength(1);
    expect(light[0].attributes).toMatchObject({ ...place, 'network.type': 'ipv6', 'bpfaudit.inbound.syns': 0 });
    expect(light[0].attributes['bpfaudit.inbound.packets']).toBeGreaterThanOrEqual(10);
    expect(from(lightV6, 'network.inbound.alert')).toHaveLength(0);
    const tagged = from(taggedV4, 'network.inbound.summary');
    expect(tagged.map((r) => [r.attributes['bpfaudit.inbound.packets'], r.attributes['bpfaudit.inbound.bytes']])).toEqual([[20, 20 * 58]]);
    expect(all.filter((r) => r.attributes['source.address'] === qinqV4)).toEqual([]);
    expect(cli.stderr()).toMatch(/inbound_alerts=2 inbound_evicted=0 inbound_vlan_skipped=20 /);
  }, 180_000);

  it('a receiver killed with SIGKILL takes its tcx links with it (the helper dies with it)', async () => {
    const host = installRoot('inbound-kill');
    const cfg = host.config('bpfaudit.yaml', [
      `probes: { ${OTHER_PROBES_OFF}, inbound: { interfaces: ["bpfnone${tag}"], loopback: true } }`,
      `exporters: [ { type: file, path: "${join(host.logDir, 'audit.jsonl')}" } ]`,
    ]);
    const cli = await startCli(cfg);
    await until('the program on lo', () => helperLinks(cli.child.pid!).some((l) => l.ifindex === ifindex('lo')));
    const [link] = helperLinks(cli.child.pid!);
    const helper = spawnSync('pgrep', ['-P', String(cli.child.pid), '-x', 'bpfaudit-tcx'], { encoding: 'utf8' }).stdout.trim();
    cli.child.kill('SIGKILL');
    await cli.exited;
    await until('the helper to be gone', () => !existsSync(`/proc/${helper}`));
    await until('the program to be unloaded', () => !(JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })) as { id: number }[]).some((p) => p.id === link.progId));
    expect(execFileSync('tc', ['filter', 'show', 'dev', 'lo', 'ingress'], { encoding: 'utf8' })).toBe('');
  });
});
