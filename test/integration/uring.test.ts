// Network activity submitted through io_uring (and UDP through plain
// write()/read()): the paths a sensor that only watches syscalls misses.
// Each record must name the process that owns the ring, with the exact tuple.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CapturedRun, type Attrs } from '../helpers/capture';
import { describeKernel } from '../helpers/kernel';
import { startBinary } from '../helpers/processes';
import { uringPeer } from '../helpers/uring';

describeKernel('io_uring and write()/read()', () => {
  let run: CapturedRun;
  beforeAll(() => {
    run = new CapturedRun((c) => {
      c.dedup.kinds = [];
      c.probes.udp.window_ms = 500;
    });
  });
  afterAll(async () => {
    const stats = await run.stop();
    process.stdout.write(`uring suite: lost=${JSON.stringify(stats.kernel.lost)} owner_missing=${JSON.stringify(stats.kernel.ownerMissing)}\n`);
    expect(Object.values(stats.kernel.lost).every((n) => n === 0)).toBe(true);
    expect(run.errors).toEqual([]);
  });

  for (const [host, server_mode] of [['127.0.0.1', 'tcp-server'], ['::1', 'tcp-server'], ['127.0.0.1', 'tcp-server-direct']]) {
    it(`TCP accept, connect, send, recv and close through io_uring (${host}, ${server_mode})`, async () => {
      const server = startBinary(uringPeer(), [server_mode, host]);
      const { port } = await server.next();
      const client = startBinary(uringPeer(), ['tcp-client', host, String(port), '777']);
      const { localPort } = await client.next();
      expect((await server.next()).received).toBe(777);
      await Promise.all([server.exited, client.exited]);
      const tuple = (a: Attrs) => a['server.port'] === port && a['client.port'] === localPort;
      const [accept] = await run.waitFor('network.tcp.accept', tuple);
      expect(accept.attributes).toMatchObject({ 'process.pid': server.pid, 'client.address': host, 'server.address': host });
      const [connect] = await run.waitFor('network.tcp.connect', tuple);
      expect(connect.attributes['process.pid']).toBe(client.pid);
      const closes = await run.waitFor('network.tcp.close', tuple, 2);
      const byPid = Object.fromEntries(closes.map((c) => [c.attributes['process.pid'] as number, c.attributes]));
      expect(byPid[server.pid]).toMatchObject({ 'bpfaudit.connection.bytes_received': 777, 'bpfaudit.connection.bytes_sent': 0 });
      expect(byPid[client.pid]).toMatchObject({ 'bpfaudit.connection.bytes_sent': 777, 'bpfaudit.connection.bytes_received': 0 });
    });
  }

  const first = (a: Attrs) => !('bpfaudit.repeat.count' in a);

  for (const host of ['127.0.0.1', '::1']) {
    it(`UDP datagrams sent and received through io_uring SENDMSG/RECVMSG (${host})`, async () => {
      const receiver = startBinary(uringPeer(), ['udp-recvmsg', host, '5']);
      const { port } = await receiver.next();
      const sender = startBinary(uringPeer(), ['udp-sendmsg', host, String(port), '5', '100']);
      const { localPort } = await sender.next();
      expect((await sender.next()).sent).toBe(5);
      expect((await receiver.next()).received).toBe(5);
      await Promise.all([sender.exited, receiver.exited]);
      const [send] = await run.waitFor('network.udp.send', (a) => a['process.pid'] === sender.pid && first(a));
      expect(send.attributes).toMatchObject({ 'destination.address': host, 'destination.port': port, 'source.port': localPort, 'bpfaudit.flow.bytes': 100 });
      const [recv] = await run.waitFor('network.udp.receive', (a) => a['process.pid'] === receiver.pid && first(a));
      expect(recv.attributes).toMatchObject({ 'source.address': host, 'source.port': localPort, 'destination.port': port, 'bpfaudit.flow.bytes': 100 });
      const [sendSum] = await run.waitFor('network.udp.send', (a) => a['process.pid'] === sender.pid && !first(a), 1, 3000);
      expect(sendSum.attributes).toMatchObject({ 'bpfaudit.repeat.count': 4, 'bpfaudit.repeat.bytes': 400 });
    });
  }

  it('UDP through plain write() on a connected socket and read() on an unconnected one', async () => {
    const receiver = startBinary(uringPeer(), ['udp-read', '127.0.0.1', '3']);
    const { port } = await receiver.next();
    const sender = startBinary(uringPeer(), ['udp-write', '127.0.0.1', String(port), '3', '64']);
    const { localPort } = await sender.next();
    expect((await sender.next()).sent).toBe(3);
    expect((await receiver.next()).received).toBe(3);
    await Promise.all([sender.exited, receiver.exited]);
    const [send] = await run.waitFor('network.udp.send', (a) => a['process.pid'] === sender.pid && first(a));
    expect(send.attributes).toMatchObject({ 'destination.address': '127.0.0.1', 'destination.port': port, 'source.port': localPort, 'bpfaudit.flow.bytes': 64 });
    // read() names no source on an unconnected socket: the record has the local end only
    const [recv] = await run.waitFor('network.udp.receive', (a) => a['process.pid'] === receiver.pid && first(a));
    expect(recv.attributes).toMatchObject({ 'destination.port': port, 'bpfaudit.flow.bytes': 64 });
    expect(recv.attributes).not.toHaveProperty('source.address');
  });
});
