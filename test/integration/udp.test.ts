// UDP bind/connect/send/receive against the real kernel: a server and a
// client, each in its own process, over IPv4 and IPv6 loopback; a burst;
// closed and unreachable destinations; a flow table that overflows.
import { statSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CapturedRun, type Attrs } from '../helpers/capture';
import { describeKernel } from '../helpers/kernel';
import { NetNs } from '../helpers/netns';
import { startNode } from '../helpers/processes';

const WINDOW_MS = 1500;
const hostNetns = Number(statSync('/proc/self/ns/net').ino);

describeKernel('UDP probes', () => {
  let run: CapturedRun;

  beforeAll(() => {
    run = new CapturedRun((c) => {
      c.probes.udp.window_ms = WINDOW_MS;
    });
  });

  afterAll(async () => {
    const stats = await run.stop();
    process.stdout.write(`udp suite: kernel ${JSON.stringify(stats.kernel.lost)} folds ${JSON.stringify(stats.folds)}\n`);
    expect(Object.values(stats.kernel.lost).every((n) => n === 0)).toBe(true);
    expect(run.errors).toEqual([]);
  });

  for (const [family, host, type] of [['IPv4', '127.0.0.1', 'ipv4'], ['IPv6', '::1', 'ipv6']] as const) {
    it(`${family}: bind, connect, send and receive, each on the right process`, async () => {
      const server = startNode('udp_peer.js', ['server', host, '25']);
      const { port } = await server.next();
      const client = startNode('udp_peer.js', ['client', host, String(port), '25', '40', 'connect']);
      const { localPort, sent, errors } = await client.next();
      expect([sent, errors]).toEqual([25, 0]);
      const done = await server.next();
      expect(done.received).toBe(25);
      await Promise.all([client.exited, server.exited]);

      const [bind] = await run.waitFor('network.udp.bind', (a) => a['process.pid'] === server.pid);
      expect(bind.attributes).toMatchObject({
        'network.transport': 'udp', 'network.type': type, 'network.local.address': host, 'network.local.port': port,
        'bpfaudit.bind.requested_port': 0, 'bpfaudit.netns.inode': hostNetns,
      });
      expect(bind.body).toBe(`node[${server.pid}] UDP bind ${host === '::1' ? '[::1]' : host}:0 (uid=0) port=${port}`);

      const [connect] = await run.waitFor('network.udp.connect', (a) => a['process.pid'] === client.pid);
      expect(connect.attributes).toMatchObject({ 'network.peer.address': host, 'network.peer.port': port, 'network.local.port': localPort });

      const [send] = await run.waitFor('network.udp.send', (a) => a['process.pid'] === client.pid, 1, WINDOW_MS + 3000);
      expect(send.attributes).toMatchObject({
        'destination.address': host, 'destination.port': port, 'source.port': localPort,
        'bpfaudit.flow.datagrams': 25, 'bpfaudit.flow.bytes': 1000, 'bpfaudit.flow.window_ms': WINDOW_MS,
      });
      const [receive] = await run.waitFor('network.udp.receive', (a) => a['process.pid'] === server.pid, 1, WINDOW_MS + 3000);
      expect(receive.attributes).toMatchObject({
        'source.address': host, 'source.port': localPort, 'destination.port': port,
        'bpfaudit.flow.datagrams': 25, 'bpfaudit.flow.bytes': 1000,
      });
      expect(receive.attributes).not.toHaveProperty('bpfaudit.flow.incomplete');
    });
  }

  it('a burst of 10,000 datagrams to one destination is one send record that accounts for all of them', async () => {
    const sink = startNode('udp_peer.js', ['server', '127.0.0.1', '1000000']);
    const { port } = await sink.next();
    const client = startNode('udp_peer.js', ['client', '127.0.0.1', String(port), '10000', '16']);
    const { sent } = await client.next();
    expect(sent).toBe(10000);
    await client.exited;
    const sends = await run.waitFor('network.udp.send', (a) => a['process.pid'] === client.pid, 1, WINDOW_MS + 3000);
    await new Promise((r) => setTimeout(r, 500));
    expect(run.find('network.udp.send', (a) => a['process.pid'] === client.pid)).toHaveLength(1);
    expect(sends[0].attributes).toMatchObject({ 'destination.port': port, 'bpfaudit.flow.datagrams': 10000, 'bpfaudit.flow.bytes': 160000 });
    expect(sends[0].body).toContain('datagrams=10000 bytes=160000');
    sink.child.kill();
    await sink.exited;
  });

  it('a send to a closed port is recorded and the receiver stays quiet', async () => {
    const probe = startNode('udp_peer.js', ['server', '127.0.0.1', '1']);
    const { port } = await probe.next();
    probe.child.kill();
    await probe.exited;
    const client = startNode('udp_peer.js', ['client', '127.0.0.1', String(port), '3', '8', 'connect']);
    await client.next();
    await client.exited;
    const [send] = await run.waitFor('network.udp.send', (a) => a['process.pid'] === client.pid, 1, WINDOW_MS + 3000);
    expect(send.attributes).toMatchObject({ 'destination.port': port });
    expect((send.attributes['bpfaudit.flow.datagrams'] as number) + ((send.attributes['bpfaudit.flow.errors'] as number) ?? 0)).toBe(3);
    expect(run.errors).toEqual([]);
  });

  it('a client in another network namespace is captured with its own addresses and namespace', async () => {
    const ns = new NetNs();
    try {
      const server = startNode('udp_peer.js', ['server', '127.0.0.1', '2'], ns.wrap([]));
      const { port } = await server.next();
      const client = startNode('udp_peer.js', ['client', '127.0.0.1', String(port), '2', '10'], ns.wrap([]));
      await client.next();
      await server.next();
      await Promise.all([client.exited, server.exited]);
      const [send] = await run.waitFor('network.udp.send', (a) => a['process.pid'] === client.pid, 1, WINDOW_MS + 3000);
      expect(send.attributes).toMatchObject({ 'destination.address': '127.0.0.1', 'destination.port': port, 'bpfaudit.netns.inode': ns.inode, 'bpfaudit.flow.datagrams': 2 });
      expect(ns.inode).not.toBe(hostNetns);
      const [recv] = await run.waitFor('network.udp.receive', (a) => a['process.pid'] === server.pid, 1, WINDOW_MS + 3000);
      expect(recv.attributes['bpfaudit.netns.inode']).toBe(ns.inode);

      // nothing routes out of this namespace: the send fails in the kernel and is still recorded
      const lost = startNode('udp_peer.js', ['client', '198.51.100.7', '9', '1', '8'], ns.wrap([]));
      expect((await lost.next()).error).toBe('ENETUNREACH');
      await lost.exited;
      const [unreach] = await run.waitFor('network.udp.send', (a) => a['process.pid'] === lost.pid, 1, WINDOW_MS + 3000);
      expect(unreach.attributes).toMatchObject({
        'destination.address': '198.51.100.7', 'destination.port': 9, 'error.type': 'ENETUNREACH',
        'bpfaudit.flow.datagrams': 0, 'bpfaudit.flow.errors': 1, 'bpfaudit.netns.inode': ns.inode,
      });
    } finally {
      ns.remove();
    }
  });
});

describeKernel('UDP flow table overflow', () => {
  it('keeps emitting a record per destination, flags what the LRU evicted, and recovers', async () => {
    const run = new CapturedRun((c) => {
      c.probes.udp.window_ms = 1000;
      c.limits.fold_entries = 16;
    });
    try {
      const spray = startNode('udp_peer.js', ['spray', '127.0.0.1', '20000', '200']);
      await spray.next();
      await spray.exited;
      const records = await run.waitFor('network.udp.send', (a) => a['process.pid'] === spray.pid, 200, 6000);
      const ports = new Set(records.map((r) => r.attributes['destination.port']));
      expect(ports.size).toBe(200);
      const incomplete = records.filter((r) => r.attributes['bpfaudit.flow.incomplete'] === true);
      expect(incomplete.length).toBeGreaterThan(0);
      expect(run.receiver.statistics().folds.evicted).toBe(incomplete.length);

      // after the overflow a normal flow is counted exactly again
      const sink = startNode('udp_peer.js', ['server', '127.0.0.1', '5']);
      const { port } = await sink.next();
      const client = startNode('udp_peer.js', ['client', '127.0.0.1', String(port), '5', '4']);
      await client.next();
      await Promise.all([client.exited, sink.next()]);
      const [after] = await run.waitFor('network.udp.send', (a: Attrs) => a['process.pid'] === client.pid, 1, 4000);
      expect(after.attributes).toMatchObject({ 'bpfaudit.flow.datagrams': 5, 'bpfaudit.flow.bytes': 20 });
      expect(run.errors).toEqual([]);
    } finally {
      await run.stop();
    }
  });
});
