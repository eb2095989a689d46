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
    process.stdout.write(`uring suite: lost=${JSON.stringify(stats.kernel.lost)} owner_missing=${stats.kernel.ownerMissing}\n`);
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
});
