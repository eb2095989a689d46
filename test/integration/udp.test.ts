// UDP bind/connect/send/receive against the real kernel: a server and a
// client, each in its own process, over IPv4 and IPv6 loopback; a burst;
// closed and unreachable destinations; a flow table that overflows.
import { statSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatRfc3339Ns } from '../../receiver/src/enrich/clock';
import { CapturedRun, type Attrs } from '../helpers/capture';
import { until } from '../helpers/cli';
import { describeKernel } from '../helpers/kernel';
import { NetNs } from '../helpers/netns';
import { NODE_PEER_COMM, startNode } from '../helpers/processes';

const WINDOW_MS = 1500;
const hostNetns = Number(statSync('/proc/self/ns/net').ino);
const first = (a: Attrs) => !('bpfaudit.repeat.count' in a);
const summary = (a: Attrs) => 'bpfaudit.repeat.count' in a;

describeKernel('UDP probes', () => {
  let run: CapturedRun;

  beforeAll(() => {
    run = new CapturedRun((c) => {
      c.probes.udp.window_ms = WINDOW_MS;
    });
  });

  afterAll(async () => {
    const stats = await run.stop();
    process.stdout.write(`udp suite: kernel ${JSON.stringify(stats.kernel.lost)} udp_call_missed ${stats.kernel.udpCallMissed} folds ${JSON.stringify(stats.folds)}\n`);
    expect(Object.values(stats.kernel.lost).every((n) => n === 0)).toBe(true);
    // no two calls in flight here share a thread-id slot, so every datagram kept its address
    expect(stats.kernel.udpCallMissed).toBe(0);
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
      expect(bind.body).toBe(`${NODE_PEER_COMM}[${server.pid}] UDP bind ${host === '::1' ? '[::1]' : host}:0 (uid=0) port=${port}`);

      const [connect] = await run.waitFor('network.udp.connect', (a) => a['process.pid'] === client.pid);
      expect(connect.attributes).toMatchObject({ 'network.peer.address': host, 'network.peer.port': port, 'network.local.port': localPort });

      // the first datagram of each flow is a record at once; the other 24 follow in one summary
      const [send] = await run.waitFor('network.udp.send', (a) => a['process.pid'] === client.pid && first(a), 1, 2000);
      expect(send.attributes).toMatchObject({
        'destination.address': host, 'destination.port': port, 'source.port': localPort,
        'bpfaudit.flow.datagrams': 1, 'bpfaudit.flow.bytes': 40,
      });
      const [receive] = await run.waitFor('network.udp.receive', (a) => a['process.pid'] === server.pid && first(a), 1, 2000);
      expect(receive.attributes).toMatchObject({
        'source.address': host, 'source.port': localPort, 'destination.port': port,
        'bpfaudit.flow.datagrams': 1, 'bpfaudit.flow.bytes': 40,
      });
      for (const [name, pid] of [['network.udp.send', client.pid], ['network.udp.receive', server.pid]] as const) {
        const [sum] = await run.waitFor(name, (a) => a['process.pid'] === pid && summary(a), 1, WINDOW_MS + 3000);
        expect(sum.attributes).toMatchObject({ 'bpfaudit.repeat.count': 24, 'bpfaudit.repeat.bytes': 960, 'bpfaudit.repeat.window_ms': WINDOW_MS, 'destination.port': port });
        const firstRecord = name === 'network.udp.send' ? send : receive;
        const firstNs = BigInt(firstRecord.hrTime[0]) * 1_000_000_000n + BigInt(firstRecord.hrTime[1]);
        expect(sum.attributes['bpfaudit.repeat.first_timestamp']).toBe(formatRfc3339Ns(firstNs));
      }
    });
  }

  it('a burst of 10,000 datagrams to one destination: the first at once, one summary of the other 9,999', async () => {
    const sink = startNode('udp_peer.js', ['server', '127.0.0.1', '1000000']);
    const { port } = await sink.next();
    const client = startNode('udp_peer.js', ['client', '127.0.0.1', String(port), '10000', '16']);
    const { sent } = await client.next();
    expect(sent).toBe(10000);
    await client.exited;
    const [sum] = await run.waitFor('network.udp.send', (a) => a['process.pid'] === client.pid && summary(a), 1, WINDOW_MS + 3000);
    await new Promise((r) => setTimeout(r, 500));
    const sends = run.find('network.udp.send', (a) => a['process.pid'] === client.pid);
    expect(sends).toHaveLength(2);
    expect(sends[0].attributes).toMatchObject({ 'destination.port': port, 'bpfaudit.flow.datagrams': 1, 'bpfaudit.flow.bytes': 16 });
    expect(sum.attributes).toMatchObject({ 'destination.port': port, 'bpfaudit.repeat.count': 9999, 'bpfaudit.repeat.bytes': 159984 });
    expect(sum.body).toContain('- repeated 9999 more times in 1.5s, bytes=159984');
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
    const [send] = await run.waitFor('network.udp.send', (a) => a['process.pid'] === client.pid && first(a), 1, 2000);
    expect(send.attributes).toMatchObject({ 'destination.port': port });
    const [sum] = await run.waitFor('network.udp.send', (a) => a['process.pid'] === client.pid && summary(a), 1, WINDOW_MS + 3000);
    const n = (a: Attrs, ...keys: string[]) => keys.reduce((t, k) => t + ((a[k] as number) ?? 0), 0);
    // the refusals (ICMP port unreachable) make some sends fail: sent or failed, all three are accounted for
    expect(n(send.attributes, 'bpfaudit.flow.datagrams', 'bpfaudit.flow.errors') + n(sum.attributes, 'bpfaudit.repeat.count', 'bpfaudit.repeat.errors')).toBe(3);
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
      const [send] = await run.waitFor('network.udp.send', (a) => a['process.pid'] === client.pid && first(a), 1, 2000);
      expect(send.attributes).toMatchObject({ 'destination.address': '127.0.0.1', 'destination.port': port, 'bpfaudit.netns.inode': ns.inode, 'bpfaudit.flow.datagrams': 1 });
      const [sum] = await run.waitFor('network.udp.send', (a) => a['process.pid'] === client.pid && summary(a), 1, WINDOW_MS + 3000);
      expect(sum.attributes).toMatchObject({ 'bpfaudit.netns.inode': ns.inode, 'bpfaudit.repeat.count': 1 });
      expect(ns.inode).not.toBe(hostNetns);
      const [recv] = await run.waitFor('network.udp.receive', (a) => a['process.pid'] === server.pid, 1, WINDOW_MS + 3000);
      expect(recv.attributes['bpfaudit.netns.inode']).toBe(ns.inode);

      // nothing routes out of this namespace: the send fails in the kernel and is still recorded
      const lost = startNode('udp_peer.js', ['client', '198.51.100.7', '9', '1', '8'], ns.wrap([]));
      expect((await lost.next()).error).toBe('ENETUNREACH');
      await lost.exited;
      const [unreach] = await run.waitFor('network.udp.send', (a) => a['process.pid'] === lost.pid, 1, 2000);
      expect(unreach.attributes).toMatchObject({
        'destination.address': '198.51.100.7', 'destination.port': 9, 'error.type': 'ENETUNREACH',
        'bpfaudit.flow.datagrams': 0, 'bpfaudit.flow.errors': 1, 'bpfaudit.netns.inode': ns.inode,
      });
      // one datagram: no summary follows
      await new Promise((r) => setTimeout(r, WINDOW_MS + 700));
      expect(run.find('network.udp.send', (a) => a['process.pid'] === lost.pid)).toHaveLength(1);
    } finally {
      ns.remove();
    }
  });
});

describeKernel('UDP flow table overflow', () => {
  it('keeps emitting a record per destination, counts the windows the LRU evicted, and recovers', async () => {
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
      // one datagram each: the window of an evicted destination had no repeats to lose, but it is counted
      await until('the windows to close', () => run.receiver.statistics().folds.pending === 0, 4000);
      expect(run.receiver.statistics().folds.evicted).toBeGreaterThan(0);
      expect(run.find('network.udp.send', (a) => a['process.pid'] === spray.pid)).toHaveLength(200);

      // after the overflow a normal flow is counted exactly again
      const sink = startNode('udp_peer.js', ['server', '127.0.0.1', '5']);
      const { port } = await sink.next();
      const client = startNode('udp_peer.js', ['client', '127.0.0.1', String(port), '5', '4']);
      await client.next();
      await Promise.all([client.exited, sink.next()]);
      const [after] = await run.waitFor('network.udp.send', (a: Attrs) => a['process.pid'] === client.pid && summary(a), 1, 4000);
      expect(after.attributes).toMatchObject({ 'bpfaudit.repeat.count': 4, 'bpfaudit.repeat.bytes': 16 });
      expect(run.errors).toEqual([]);
    } finally {
      await run.stop();
    }
  });
});
