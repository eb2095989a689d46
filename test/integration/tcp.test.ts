// TCP connect/accept/close against the real kernel: a listener and a
// client, each in its own process, over IPv4 and IPv6 loopback, and a
// connect to a closed port.
import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CapturedRun, type Attrs } from '../helpers/capture';
import { describeKernel } from '../helpers/kernel';
import { NetNs } from '../helpers/netns';
import { NODE_PEER_COMM, startNode, startPython } from '../helpers/processes';

async function closedPort(host: string): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, host, r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describeKernel('TCP probes', () => {
  let run: CapturedRun;

  beforeAll(() => {
    // one record per connection here; the redundancy cache has its own tests
    run = new CapturedRun((c) => {
      c.dedup.kinds = [];
    });
  });

  afterAll(async () => {
    const stats = await run.stop();
    process.stdout.write(`tcp suite kernel counters: ${JSON.stringify({ lost: stats.kernel.lost, ownerMissing: stats.kernel.ownerMissing })} decoded=${stats.decoded} malformed=${stats.malformed}\n`);
    expect(Object.values(stats.kernel.lost).every((n) => n === 0)).toBe(true);
    expect(stats.malformed).toBe(0);
    expect(run.errors).toEqual([]);
  });

  for (const [family, host, type] of [['IPv4', '127.0.0.1', 'ipv4'], ['IPv6', '::1', 'ipv6']] as const) {
    it(`${family}: connect, accept and both closes carry the right pid, tuple, duration and bytes`, async () => {
      const server = startNode('tcp_peer.js', ['server', host, '3000']);
      const { port } = await server.next();
      const client = startNode('tcp_peer.js', ['client', host, String(port), '12345']);
      const { localPort } = await client.next();
      expect((await client.next()).received).toBe(3000);
      expect((await server.next()).received).toBe(12345);
      expect(await client.exited).toBe(0);
      expect(await server.exited).toBe(0);

      const tuple = (a: Attrs) => a['server.port'] === port && a['client.port'] === localPort;
      const [connect] = await run.waitFor('network.tcp.connect', tuple);
      const [accept] = await run.waitFor('network.tcp.accept', tuple);
      const closes = await run.waitFor('network.tcp.close', tuple, 2);

      expect(connect.attributes).toMatchObject({
        'process.pid': client.pid, 'process.parent_pid': process.pid, 'process.real_user.id': 0, 'user.id': '0',
        'network.transport': 'tcp', 'network.type': type,
        'client.address': host, 'client.port': localPort, 'server.address': host, 'server.port': port,
        'network.local.address': host, 'network.local.port': localPort, 'network.peer.address': host, 'network.peer.port': port,
        'process.executable.path': process.execPath,
      });
      expect(connect.attributes).not.toHaveProperty('error.type');
      expect(accept.attributes).toMatchObject({
        'process.pid': server.pid,
        'client.address': host, 'client.port': localPort, 'server.address': host, 'server.port': port,
        'network.local.port': port, 'network.peer.port': localPort,
      });
      const byPid = Object.fromEntries(closes.map((c) => [c.attributes['process.pid'] as number, c.attributes]));
      expect(byPid[client.pid]).toMatchObject({
        'network.local.port': localPort, 'network.peer.port': port,
        'bpfaudit.connection.bytes_sent': 12345, 'bpfaudit.connection.bytes_received': 3000,
      });
      expect(byPid[server.pid]).toMatchObject({
        'network.local.port': port, 'network.peer.port': localPort,
        'bpfaudit.connection.bytes_sent': 3000, 'bpfaudit.connection.bytes_received': 12345,
      });
      for (const c of closes) {
        const d = c.attributes['bpfaudit.connection.duration_ms'] as number;
        expect(d).toBeGreaterThan(0);
        expect(d).toBeLessThan(5000);
      }
      expect(connect.body).toBe(`${NODE_PEER_COMM}[${client.pid}] TCP ${host === '::1' ? `[::1]:${localPort}` : `${host}:${localPort}`} -> ${host === '::1' ? `[::1]:${port}` : `${host}:${port}`} (uid=0)`);
    });
  }

  // 300 bytes one way, 1000 the other: each close reports its own end's payload exactly, whoever closes first
  for (const host of ['127.0.0.1', '::1']) {
    for (const order of ['client_first', 'server_first', 'simultaneous', 'reset', 'half_close', 'server_unread']) {
      it(`close byte counts are exact at both ends: ${order} (${host})`, async () => {
        const peer = startPython('tcp_close_orders.py', [host, order, '300', '1000']);
        const { clientPort, serverPort } = await peer.next();
        expect((await peer.next()).done).toBe(true);
        expect(await peer.exited).toBe(0);
        const ends = [clientPort, serverPort];
      const closes = await run.waitFor('network.tcp.close', (a) => ends.includes(a['network.local.port']) && ends.includes(a['network.peer.port']), 2);
        const byLocalPort = Object.fromEntries(closes.map((c) => [c.attributes['network.local.port'] as number, c.attributes]));
        expect(byLocalPort[clientPort]).toMatchObject({ 'process.pid': peer.pid, 'bpfaudit.connection.bytes_sent': 300, 'bpfaudit.connection.bytes_received': 1000 });
        expect(byLocalPort[serverPort]).toMatchObject({ 'process.pid': peer.pid, 'bpfaudit.connection.bytes_sent': 1000, 'bpfaudit.connection.bytes_received': 300 });
      });
    }
  }

  it('a connection no process ever accepted is still a close record, flagged, and counted as owner missing', async () => {
    const before = run.receiver.statistics().kernel.ownerMissing.tcp_close;
    const peer = startPython('tcp_close_orders.py', ['127.0.0.1', 'never_accepted', '3', '0']);
    const { clientPort, serverPort } = await peer.next();
    expect(await peer.exited).toBe(0);
    const [orphan] = await run.waitFor('network.tcp.close', (a) => a['network.local.port'] === serverPort && a['network.peer.port'] === clientPort);
    expect(orphan.attributes).toMatchObject({
      'bpfaudit.owner.unknown': true, 'server.port': serverPort, 'client.port': clientPort, 'bpfaudit.connection.bytes_received': 3, 'bpfaudit.netns.inode': expect.any(Number),
    });
    expect(orphan.attributes).not.toHaveProperty('process.pid');
    expect(orphan.body).toMatch(/^\[no owner\] TCP 127\.0\.0\.1:\d+ <-> 127\.0\.0\.1:\d+ /);
    expect(run.receiver.statistics().kernel.ownerMissing.tcp_close).toBeGreaterThan(before);
    expect(run.find('network.tcp.accept', (a) => a['server.port'] === serverPort)).toEqual([]);
  });

  it('a connection reset before its accept: the accept names the server, its close (before the accept) has no owner', async () => {
    const peer = startPython('tcp_close_orders.py', ['127.0.0.1', 'reset_before_accept', '4', '0']);
    const { clientPort, serverPort } = await peer.next();
    expect((await peer.next()).done).toBe(true);
    expect(await peer.exited).toBe(0);
    const tuple = (a: Attrs) => a['server.port'] === serverPort && a['client.port'] === clientPort;
    const [accept] = await run.waitFor('network.tcp.accept', tuple);
    expect(accept.attributes).toMatchObject({ 'process.pid': peer.pid, 'network.local.port': serverPort });
    const closes = await run.waitFor('network.tcp.close', (a) => a['network.local.port'] === serverPort || a['network.local.port'] === clientPort, 2);
    const byLocalPort = Object.fromEntries(closes.map((c) => [c.attributes['network.local.port'] as number, c.attributes]));
    expect(byLocalPort[clientPort]).toMatchObject({ 'process.pid': peer.pid, 'bpfaudit.connection.bytes_sent': 4 });
    expect(byLocalPort[serverPort]).toMatchObject({ 'bpfaudit.owner.unknown': true, 'bpfaudit.connection.bytes_received': 4 });
    expect(byLocalPort[serverPort]).not.toHaveProperty('process.pid');
  });

  it('a connect to a closed port is recorded against the client with ECONNREFUSED', async () => {
    const port = await closedPort('127.0.0.1');
    const client = startNode('tcp_peer.js', ['client', '127.0.0.1', String(port), '1']);
    expect((await client.next()).error).toBe('ECONNREFUSED');
    expect(await client.exited).toBe(3);
    const [rec] = await run.waitFor('network.tcp.connect', (a) => a['server.port'] === port && a['process.pid'] === client.pid);
    expect(rec.attributes).toMatchObject({ 'process.pid': client.pid, 'error.type': 'ECONNREFUSED', 'server.address': '127.0.0.1', 'client.address': '127.0.0.1' });
    expect(rec.attributes['client.port']).toBeGreaterThan(0);
    expect(rec.body).toMatch(/ - ECONNREFUSED$/);
    expect(run.find('network.tcp.close', (a) => a['server.port'] === port)).toEqual([]);
  });

  it('connections inside another network namespace carry its addresses and inode', async () => {
    const ns = new NetNs();
    try {
      const server = startNode('tcp_peer.js', ['server', '127.0.0.1', '7'], ns.wrap([]));
      const { port } = await server.next();
      const client = startNode('tcp_peer.js', ['client', '127.0.0.1', String(port), '9'], ns.wrap([]));
      const { localPort } = await client.next();
      await Promise.all([client.exited, server.exited]);
      const tuple = (a: Attrs) => a['server.port'] === port && a['client.port'] === localPort && a['bpfaudit.netns.inode'] === ns.inode;
      const [connect] = await run.waitFor('network.tcp.connect', tuple);
      expect(connect.attributes).toMatchObject({ 'process.pid': client.pid, 'client.address': '127.0.0.1', 'server.address': '127.0.0.1' });
      const [accept] = await run.waitFor('network.tcp.accept', tuple);
      expect(accept.attributes['process.pid']).toBe(server.pid);
      const closes = await run.waitFor('network.tcp.close', tuple, 2);
      expect(new Set(closes.map((c) => c.attributes['process.pid']))).toEqual(new Set([client.pid, server.pid]));
    } finally {
      ns.remove();
    }
  });

  it('timestamps are wall-clock time between the action and the read', async () => {
    const before = Date.now();
    const server = startNode('tcp_peer.js', ['server', '127.0.0.1', '1']);
    const { port } = await server.next();
    const client = startNode('tcp_peer.js', ['client', '127.0.0.1', String(port), '1']);
    await client.exited;
    const [rec] = await run.waitFor('network.tcp.connect', (a) => a['server.port'] === port && a['process.pid'] === client.pid);
    const ms = rec.hrTime[0] * 1000 + rec.hrTime[1] / 1e6;
    const observedMs = rec.hrTimeObserved[0] * 1000 + rec.hrTimeObserved[1] / 1e6;
    expect(ms).toBeGreaterThanOrEqual(before - 5);
    expect(ms).toBeLessThanOrEqual(observedMs + 5);
    expect(observedMs).toBeLessThanOrEqual(Date.now());
    await server.exited;
  });
});

describeKernel('TCP connections older than the sensor', () => {
  it('their closes are records without an owner or a duration, counted', async () => {
    const peer = startPython('tcp_close_orders.py', ['127.0.0.1', 'held', '5', '7']);
    const { clientPort, serverPort } = await peer.next();
    expect((await peer.next()).holding).toBe(true);
    const run = new CapturedRun((c) => {
      c.dedup.kinds = [];
    });
    try {
      peer.child.kill('SIGUSR1');
      expect(await peer.exited).toBe(0);
      const ends = [clientPort, serverPort];
      const closes = await run.waitFor('network.tcp.close', (a) => ends.includes(a['network.local.port']) && ends.includes(a['network.peer.port']), 2);
      for (const c of closes) {
        expect(c.attributes).toMatchObject({ 'bpfaudit.owner.unknown': true });
        expect(c.attributes).not.toHaveProperty('bpfaudit.connection.duration_ms');
        expect(c.attributes).not.toHaveProperty('process.pid');
        // which end initiated is not known either
        expect(c.attributes).not.toHaveProperty('client.port');
      }
      const bySide = Object.fromEntries(closes.map((c) => [c.attributes['network.local.port'] === serverPort ? 'server' : 'client', c.attributes]));
      expect(bySide.client).toMatchObject({ 'bpfaudit.connection.bytes_sent': 5, 'bpfaudit.connection.bytes_received': 7 });
      expect(bySide.server).toMatchObject({ 'bpfaudit.connection.bytes_sent': 7, 'bpfaudit.connection.bytes_received': 5 });
      expect(run.receiver.statistics().kernel.ownerMissing.tcp_close).toBeGreaterThanOrEqual(2);
    } finally {
      await run.stop();
    }
  });
});

describeKernel('TCP owners beyond the owner slots', () => {
  it('sockets whose slot another socket holds keep their owners in the fallback table: every record names its process', async () => {
    // one slot, held by a connection that stays open: every socket after it (clients, accepted ones) falls back
    const run = new CapturedRun((c) => {
      c.dedup.kinds = [];
      c.limits.socket_owner_slots = 1;
    });
    const holder = startPython('tcp_close_orders.py', ['127.0.0.1', 'held', '5', '7']);
    const sink = startNode('tcp_peer.js', ['sink', '127.0.0.1']);
    try {
      const held = await holder.next();
      expect((await holder.next()).holding).toBe(true);
      const { port } = await sink.next();
      const clients = [0, 1, 2].map(() => startNode('tcp_peer.js', ['client', '127.0.0.1', String(port), '1000']));
      const localPorts = await Promise.all(clients.map(async (c) => (await c.next()).localPort as number));
      for (const c of clients) {
        expect((await c.next()).received).toBe(0);
        expect(await c.exited).toBe(0);
      }
      holder.child.kill('SIGUSR1');
      expect(await holder.exited).toBe(0);
      const ends = [
        ...clients.map((client, i) => ({ client: client.pid, server: sink.pid, clientPort: localPorts[i], serverPort: port, sent: 1000, answered: 0 })),
        { client: holder.pid, server: holder.pid, clientPort: held.clientPort as number, serverPort: held.serverPort as number, sent: 5, answered: 7 },
      ];
      for (const e of ends) {
        const tuple = (a: Attrs) => a['server.port'] === e.serverPort && a['client.port'] === e.clientPort;
        const [connect] = await run.waitFor('network.tcp.connect', tuple);
        const [accept] = await run.waitFor('network.tcp.accept', tuple);
        const closes = await run.waitFor('network.tcp.close', tuple, 2);
        expect(connect.attributes).toMatchObject({ 'process.pid': e.client, 'network.local.port': e.clientPort });
        expect(accept.attributes).toMatchObject({ 'process.pid': e.server, 'network.local.port': e.serverPort });
        const byLocalPort = Object.fromEntries(closes.map((c) => [c.attributes['network.local.port'] as number, c.attributes]));
        expect(byLocalPort[e.clientPort]).toMatchObject({ 'process.pid': e.client, 'bpfaudit.connection.bytes_sent': e.sent, 'bpfaudit.connection.bytes_received': e.answered });
        expect(byLocalPort[e.serverPort]).toMatchObject({ 'process.pid': e.server, 'bpfaudit.connection.bytes_sent': e.answered, 'bpfaudit.connection.bytes_received': e.sent });
        for (const c of closes) expect(c.attributes['bpfaudit.connection.duration_ms']).toBeGreaterThan(0);
      }
      expect(run.receiver.statistics().kernel.ownerMissing).toMatchObject({ tcp_connect: 0, tcp_accept: 0, tcp_close: 0 });
    } finally {
      sink.child.kill();
      await run.stop();
    }
  });
});
