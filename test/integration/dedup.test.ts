// The redundancy cache: a loop of 1,000 connections from one process to one
// server port within the window is one connect, one accept and one close
// record on each side, each with a repeat count of 1,000.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CapturedRun } from '../helpers/capture';
import { describeKernel } from '../helpers/kernel';
import { runProgram, startNode } from '../helpers/processes';

describeKernel('redundancy cache', () => {
  let run: CapturedRun;

  beforeAll(() => {
    run = new CapturedRun((c) => {
      c.dedup.window_ms = 8000;
    });
  });

  afterAll(async () => {
    const stats = await run.stop();
    process.stdout.write(`dedup suite: kernel folded=${stats.kernel.folded} lost=${JSON.stringify(stats.kernel.lost)} folds=${JSON.stringify(stats.folds)}\n`);
    expect(Object.values(stats.kernel.lost).every((n) => n === 0)).toBe(true);
  });

  it('1,000 connections fold into one record per kind and side with a repeat count of 1,000', async () => {
    const sink = startNode('tcp_peer.js', ['sink', '127.0.0.1']);
    const { port } = await sink.next();
    const client = startNode('tcp_peer.js', ['loop', '127.0.0.1', String(port), '1000']);
    expect((await client.next()).done).toBe(1000);
    await client.exited;

    const mine = (pid: number) => (a: Record<string, unknown>) => a['process.pid'] === pid && a['server.port'] === port;
    const [connect] = await run.waitFor('network.tcp.connect', mine(client.pid), 1, 12_000);
    const [accept] = await run.waitFor('network.tcp.accept', mine(sink.pid), 1, 12_000);
    const closes = await run.waitFor('network.tcp.close', (a) => (a['process.pid'] === client.pid || a['process.pid'] === sink.pid) && a['server.port'] === port, 2, 12_000);
    await new Promise((r) => setTimeout(r, 500));

    expect(run.find('network.tcp.connect', mine(client.pid))).toHaveLength(1);
    expect(run.find('network.tcp.accept', mine(sink.pid))).toHaveLength(1);
    expect(run.find('network.tcp.close', (a) => a['server.port'] === port)).toHaveLength(2);
    for (const r of [connect, accept, ...closes]) {
      expect(r.attributes['bpfaudit.repeat.count']).toBe(1000);
      expect(r.attributes['bpfaudit.repeat.window_ms']).toBe(8000);
      expect(r.attributes).not.toHaveProperty('bpfaudit.repeat.incomplete');
    }
    // the ephemeral client port of the first connection is kept, it does not split the fold
    expect(connect.attributes['client.port']).toBe(accept.attributes['client.port']);
    expect(connect.body).toMatch(/ \(x1000\)$/);
    sink.child.kill();
    await sink.exited;
  });
});

describeKernel('redundancy cache keeps the two ends apart', () => {
  it('a process that is both client and server of one connection gets both close records', async () => {
    const run = new CapturedRun((c) => {
      c.dedup.window_ms = 300;
    });
    try {
      const { pid } = await runProgram('/usr/bin/python3', ['-c', [
        'import socket',
        "s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen()",
        'c=socket.create_connection(s.getsockname()); a,_=s.accept()',
        "c.send(b'hello'); a.recv(10); c.close(); a.close()",
      ].join('\n')]);
      const closes = await run.waitFor('network.tcp.close', (a) => a['process.pid'] === pid, 2, 5000);
      expect(closes.map((r) => r.attributes['bpfaudit.repeat.count'])).toEqual([1, 1]);
      expect(closes.map((r) => r.attributes['bpfaudit.connection.bytes_sent']).sort()).toEqual([0, 5]);
    } finally {
      await run.stop();
    }
  });
});
