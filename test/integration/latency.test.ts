// Under the shipped limits, the first record of anything new reaches the
// exporter within a second of the kernel's event: an exec, a connection's
// connect/accept/close (the redundancy cache on), a first UDP datagram.
// The benchmark (npm run bench) measures the distribution; this is the bound.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CapturedRun } from '../helpers/capture';
import { describeKernel } from '../helpers/kernel';
import { runProgram, startNode } from '../helpers/processes';

describeKernel('event to exporter under the default config', () => {
  let run: CapturedRun;
  beforeAll(() => {
    run = new CapturedRun(() => {}, true);
  });
  afterAll(async () => {
    await run.stop();
  });

  it('exec, TCP connect/accept/close and a first UDP datagram each arrive within 1 s', async () => {
    const exec = await runProgram('/bin/true', ['latency']);
    const server = startNode('tcp_peer.js', ['server', '127.0.0.1', '10']);
    const { port } = await server.next();
    const client = startNode('tcp_peer.js', ['client', '127.0.0.1', String(port), '20']);
    await Promise.all([client.exited, server.exited]);
    const sink = startNode('udp_peer.js', ['server', '127.0.0.1', '1']);
    const udpPort = (await sink.next()).port;
    const udp = startNode('udp_peer.js', ['client', '127.0.0.1', String(udpPort), '1', '8']);
    await Promise.all([udp.exited, sink.exited]);

    const records = [
      ...(await run.waitFor('process.exec', (a) => a['process.pid'] === exec.pid, 1, 3000)),
      ...(await run.waitFor('network.tcp.connect', (a) => a['process.pid'] === client.pid, 1, 3000)),
      ...(await run.waitFor('network.tcp.accept', (a) => a['process.pid'] === server.pid, 1, 3000)),
      ...(await run.waitFor('network.tcp.close', (a) => a['server.port'] === port, 2, 3000)),
      ...(await run.waitFor('network.udp.send', (a) => a['process.pid'] === udp.pid, 1, 3000)),
    ];
    const latencies = records.map((r) => [r.eventName, Math.round(run.latencyMs(r))] as const);
    process.stdout.write(`event -> exporter (ms): ${JSON.stringify(latencies)}\n`);
    for (const [name, ms] of latencies) {
      expect(ms, name).toBeGreaterThanOrEqual(0);
      expect(ms, name).toBeLessThan(1000);
    }
  });
});
