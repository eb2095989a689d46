// The redundancy cache: the first connection of a kind is a record at once;
// 999 more within the window follow as ONE summary per kind and side, with
// the count and exact byte totals. A key seen once gives one record and no
// summary; a shutdown mid-window still emits the summaries.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CapturedRun, type Attrs } from '../helpers/capture';
import { describeKernel } from '../helpers/kernel';
import { NODE_PEER_COMM, runProgram, startNode } from '../helpers/processes';

const isSummary = (a: Attrs) => 'bpfaudit.repeat.count' in a;

describeKernel('redundancy cache', () => {
  let run: CapturedRun;

  beforeAll(() => {
    run = new CapturedRun((c) => {
      c.dedup.window_ms = 4000;
    });
  });

  afterAll(async () => {
    const stats = await run.stop();
    process.stdout.write(`dedup suite: kernel folded=${stats.kernel.folded} lost=${JSON.stringify(stats.kernel.lost)} folds=${JSON.stringify(stats.folds)}\n`);
    expect(Object.values(stats.kernel.lost).every((n) => n === 0)).toBe(true);
  });

  it('1,000 identical connections: the first records at once, then one summary per kind and side with 999 and the exact bytes', async () => {
    const sink = startNode('tcp_peer.js', ['sink', '127.0.0.1']);
    const { port } = await sink.next();
    const started = Date.now();
    const client = startNode('tcp_peer.js', ['loop', '127.0.0.1', String(port), '1000']);
    const mine = (pid: number) => (a: Attrs) => a['process.pid'] === pid && a['server.port'] === port;
    // the first of each kind well before the window (4 s) is over
    const [connect] = await run.waitFor('network.tcp.connect', (a) => mine(client.pid)(a) && !isSummary(a), 1, 2000);
    const [accept] = await run.waitFor('network.tcp.accept', (a) => mine(sink.pid)(a) && !isSummary(a), 1, 2000);
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await client.next()).done).toBe(1000);
    await client.exited;

    const sums = await run.waitForRecords((r) => isSummary(r.attributes as Attrs) && r.attributes['server.port'] === port, 4, 8000);
    await new Promise((r) => setTimeout(r, 500));
    const all = run.exporter.records.filter((r) => r.attributes['server.port'] === port);
    // connect, accept, two closes: first + one summary each
    expect(all).toHaveLength(8);
    for (const s of sums) {
      expect(s.attributes).toMatchObject({ 'bpfaudit.repeat.count': 999, 'bpfaudit.repeat.window_ms': 4000 });
      expect(s.attributes).not.toHaveProperty('client.port');
      expect(typeof s.attributes['bpfaudit.repeat.first_timestamp']).toBe('string');
    }
    const kinds = sums.map((s) => `${s.eventName}:${s.attributes['process.pid'] === client.pid ? 'client' : 'server'}`).sort();
    expect(kinds).toEqual(['network.tcp.accept:server', 'network.tcp.close:client', 'network.tcp.close:server', 'network.tcp.connect:client']);
    const firstClose = all.filter((r) => r.eventName === 'network.tcp.close' && !isSummary(r.attributes as Attrs));
    expect(firstClose).toHaveLength(2);
    // tcp_peer's loop sends nothing: every byte total is exactly zero, on both sides
    for (const c of firstClose) expect(c.attributes).toMatchObject({ 'bpfaudit.connection.bytes_sent': 0, 'bpfaudit.connection.bytes_received': 0 });
    for (const s of sums.filter((r) => r.eventName === 'network.tcp.close')) expect(s.attributes).toMatchObject({ 'bpfaudit.repeat.bytes_sent': 0, 'bpfaudit.repeat.bytes_received': 0 });
    expect(sums.find((s) => s.eventName === 'network.tcp.connect')!.body).toMatch(new RegExp(`^${NODE_PEER_COMM}\\[\\d+\\] TCP 127\\.0\\.0\\.1 -> 127\\.0\\.0\\.1:\\d+ \\(uid=0\\) - repeated 999 more times in 4\\.0s$`));
    expect(connect.attributes['client.port']).toBe(accept.attributes['client.port']);
    sink.child.kill();
    await sink.exited;
  });

  it('repeats that carry data: the summary sums the bytes of the 999 after the first', async () => {
    const { pid } = await runProgram('/usr/bin/python3', ['-c', [
      'import socket',
      "s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(64)",
      'for i in range(1000):',
      '  c=socket.create_connection(s.getsockname()); a,_=s.accept()',
      "  c.sendall(b'q'*7); a.recv(16); a.sendall(b'r'*11); c.recv(16); c.close(); a.recv(1); a.close()",
    ].join('\n')]);
    const sums = await run.waitForRecords((r) => r.eventName === 'network.tcp.close' && r.attributes['process.pid'] === pid && isSummary(r.attributes as Attrs), 2, 8000);
    const byPort = (s: (typeof sums)[number]) => (s.attributes['network.local.port'] === s.attributes['server.port'] ? 'server' : 'client');
    const client = sums.find((s) => byPort(s) === 'client')!;
    const server = sums.find((s) => byPort(s) === 'server')!;
    expect(client.attributes).toMatchObject({ 'bpfaudit.repeat.count': 999, 'bpfaudit.repeat.bytes_sent': 999 * 7, 'bpfaudit.repeat.bytes_received': 999 * 11 });
    expect(server.attributes).toMatchObject({ 'bpfaudit.repeat.count': 999, 'bpfaudit.repeat.bytes_sent': 999 * 11, 'bpfaudit.repeat.bytes_received': 999 * 7 });
  });
});

describeKernel('redundancy cache: single occurrences and shutdown', () => {
  it('a key seen once is one record and no summary; both ends of a connection in one process stay apart', async () => {
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
      expect(closes.map((r) => r.attributes['bpfaudit.connection.bytes_sent']).sort()).toEqual([0, 5]);
      await new Promise((r) => setTimeout(r, 1000));
      const mine = run.exporter.records.filter((r) => r.attributes['process.pid'] === pid && r.eventName?.startsWith('network.tcp.'));
      expect(mine.map((r) => r.eventName).sort()).toEqual(['network.tcp.accept', 'network.tcp.close', 'network.tcp.close', 'network.tcp.connect']);
      expect(mine.some((r) => isSummary(r.attributes as Attrs))).toBe(false);
    } finally {
      await run.stop();
    }
  });

  it('a shutdown in the middle of a window still emits the summaries', async () => {
    const run = new CapturedRun((c) => {
      c.dedup.window_ms = 60_000;
    });
    const sink = startNode('tcp_peer.js', ['sink', '127.0.0.1']);
    const { port } = await sink.next();
    const client = startNode('tcp_peer.js', ['loop', '127.0.0.1', String(port), '20']);
    await client.exited;
    await run.waitFor('network.tcp.close', (a) => a['server.port'] === port, 2, 3000);
    await run.stop();
    sink.child.kill();
    const sums = run.exporter.records.filter((r) => r.attributes['server.port'] === port && isSummary(r.attributes as Attrs));
    expect(sums.map((s) => s.attributes['bpfaudit.repeat.count'])).toEqual([19, 19, 19, 19]);
  });
});
