// End to end: the bpfaudit CLI, started with an OTLP exporter, ships what
// happens on the machine to a local OTLP/HTTP server that decodes every
// request strictly by the OTLP logs schema, for protobuf and for JSON, zstd
// (the default), gzip, and the default sent to an endpoint that refuses zstd.
import { realpathSync } from 'node:fs';
import { expect, it } from 'vitest';
import { startCli, until } from '../helpers/cli';
import { installRoot } from '../helpers/install_root';
import { describeKernel } from '../helpers/kernel';
import type { DecodedLog } from '../helpers/otlp/otlp_decode';
import { OtlpTestServer } from '../helpers/otlp/otlp_server';
import { runProgram, startNode } from '../helpers/processes';

// the receiver drops to nobody after start-up and keeps writing its spool below var/lib
const host = installRoot('e2e');

describeKernel('OTLP export end to end', () => {
  // compression: as the exporter's entry names it (none: the default); decodes: what the endpoint takes
  const variants = [
    { protocol: 'http/protobuf', recordPath: 'direct', compression: undefined, decodes: ['gzip', 'zstd'], sent: 'zstd' },
    { protocol: 'http/json', recordPath: 'direct', compression: 'gzip', decodes: ['gzip', 'zstd'], sent: 'gzip' },
    { protocol: 'http/protobuf', recordPath: 'sdk', compression: undefined, decodes: ['gzip', 'zstd'], sent: 'zstd' },
    { protocol: 'http/protobuf', recordPath: 'direct', compression: 'gzip', decodes: ['gzip', 'zstd'], sent: 'gzip' },
    { protocol: 'http/protobuf', recordPath: 'direct', compression: undefined, decodes: ['gzip'], sent: 'gzip' },
  ] as const;
  for (const { protocol, recordPath, compression, decodes, sent } of variants) {
    const sends = `${compression ?? 'the default compression'}${decodes.length < 2 ? ` to an endpoint that takes ${decodes.join()} only` : ''}`;
    it(`${protocol}, ${recordPath} records, ${sends}: exec and TCP records reach the collector intact, as ${sent}`, async () => {
      const server = new OtlpTestServer();
      server.decodes = new Set(decodes);
      const url = await server.start();
      const name = `${protocol.replace('/', '-')}-${recordPath}-${compression ?? 'default'}-${decodes.join('-')}`;
      const compressionKey = compression ? `, compression: ${compression}` : '';
      const config = host.config(`${name}.yaml`, [
        'exporters:',
        `  - { type: otlp, endpoint: "${url}", protocol: ${protocol}${compressionKey}, spool: { dir: "${host.spoolDir}-${name}" } }`,
        'resource:',
        '  attributes: { deployment.environment.name: e2e }',
        `limits: { flush_interval_ms: 50, record_path: ${recordPath}, stats_interval_ms: 300 }`,
        'dedup: { window_ms: 300 }',
      ]);
      const cli = await startCli(config, { ...process.env, OTEL_SERVICE_NAME: 'bpfaudit-e2e' });

      const started = BigInt(Date.now()) * 1_000_000n;
      const marker = `e2e-${protocol}`;
      const exec = await runProgram('/bin/true', [marker, 'line\nbreak']);
      const srv = startNode('tcp_peer.js', ['server', '127.0.0.1', '10']);
      const { port } = await srv.next();
      const client = startNode('tcp_peer.js', ['client', '127.0.0.1', String(port), '20']);
      await client.exited;
      await srv.exited;

      const byPid = (name: string, pid: number) => (l: DecodedLog) => l.eventName === name && l.attributes['process.pid'] === pid;
      // a stats record too: they come every stats_interval_ms, this run may be shorter than one
      await until('the records at the collector', () => server.records.some(byPid('network.tcp.close', client.pid)) && server.records.some(byPid('process.exec', exec.pid)) && server.records.some((r) => r.eventName === 'bpfaudit.stats'));
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      await server.stop();

      expect(server.errors).toEqual([]);
      expect(server.requests.every((r) => r.contentType === (protocol === 'http/json' ? 'application/json' : 'application/x-protobuf'))).toBe(true);
      expect(new Set(server.requests.map((r) => r.contentEncoding))).toEqual(new Set([sent]));
      if ((decodes as readonly string[]).includes('zstd')) {
        expect(server.encodingRefused).toEqual([]);
      } else {
        // the first batch refused in zstd went again as gzip, and so did every later one: nothing set aside, one warning
        expect(server.encodingRefused.filter((r) => r.startsWith('/v1/logs'))).toEqual(['/v1/logs zstd']);
        expect(cli.stderr().match(/refused zstd .* sending gzip from now on/g)).toHaveLength(1);
        expect(cli.stderr()).toMatch(/set_aside=0/);
      }
      expect(cli.stdout()).toBe('');
      expect(cli.stderr()).toMatch(/bpfaudit: \d+ records from \d+ events .*kernel lost=0/);

      const execRec = server.records.find(byPid('process.exec', exec.pid))!;
      expect(execRec).toMatchObject({ eventName: 'process.exec', severityNumber: 9, severityText: 'INFO' });
      expect(execRec.timeUnixNano).toBeGreaterThanOrEqual(started - 5_000_000n);
      expect(execRec.timeUnixNano).toBeLessThanOrEqual(execRec.observedTimeUnixNano);
      expect(execRec.body).toMatch(/^exec /);
      expect(execRec.body).toContain(`[${exec.pid}] ${realpathSync('/bin/true')} ${marker} line\\nbreak (uid=0 euid=0 ppid=${process.pid})`);
      expect(execRec.attributes).toMatchObject({ 'process.command_args': ['/bin/true', marker, 'line\nbreak'], 'process.pid': exec.pid, 'user.id': '0' });
      expect(execRec.attributeTypes).toMatchObject({ 'process.pid': 'int', 'process.command_args': 'array', 'process.interactive': 'bool', 'user.id': 'string' });
      expect(execRec.resource).toMatchObject({ 'service.name': 'bpfaudit-e2e', 'deployment.environment.name': 'e2e', 'os.type': 'linux' });
      expect(execRec.scope.name).toBe('bpfaudit');

      const connect = server.records.find(byPid('network.tcp.connect', client.pid))!;
      expect(connect.attributes).toMatchObject({ 'server.port': port, 'server.address': '127.0.0.1', 'network.transport': 'tcp' });
      const accept = server.records.find(byPid('network.tcp.accept', srv.pid))!;
      expect(accept.attributes['client.port']).toBe(connect.attributes['client.port']);
      // the loss counters, as OTel metrics to the same collector and as bpfaudit.stats records
      expect(server.metrics.length).toBeGreaterThan(0);
      const metricNames = server.metrics.map((m) => m.toString('latin1')).join();
      for (const name of ['bpfaudit.kernel.lost', 'bpfaudit.records.emitted', 'bpfaudit.export.exported', 'bpfaudit.spool.bytes']) expect(metricNames).toContain(name);
      expect(server.records.some((r) => r.eventName === 'bpfaudit.stats' && r.attributes['bpfaudit.kernel.lost'] === 0)).toBe(true);
      const close = server.records.find(byPid('network.tcp.close', client.pid))!;
      expect(close.attributes).toMatchObject({ 'bpfaudit.connection.bytes_sent': 20, 'bpfaudit.connection.bytes_received': 10 });
      expect(close.attributeTypes['bpfaudit.connection.duration_ms']).toBe('double');
    });
  }
});
