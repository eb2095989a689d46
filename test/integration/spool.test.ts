// The OTLP spool as an installation runs it (run_as nobody, spool under a
// root-owned var/lib): batches outlive a protocol change and a kill -9, a
// batch the collector refuses as malformed is set aside without blocking the
// ones behind it, and one spool serves one receiver.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { failingCli, startCli, until } from '../helpers/cli';
import { installRoot, type InstallRoot } from '../helpers/install_root';
import { describeKernel } from '../helpers/kernel';
import { decodeJson, decodeProtobuf, type DecodedLog } from '../helpers/otlp/otlp_decode';
import { OtlpTestServer } from '../helpers/otlp/otlp_server';
import { markedExecs } from '../helpers/processes';

const EXEC_ONLY = 'probes: { tcp: { connect: false, accept: false, close: false }, udp: { bind: false, connect: false, send: false, receive: false }, ipset: { enabled: false } }';

function otlpConfig(host: InstallRoot, name: string, url: string, protocol: string): string {
  return host.config(name, [
    EXEC_ONLY,
    `exporters: [ { type: otlp, endpoint: "${url}", protocol: ${protocol}, retry: { initial_ms: 100, max_ms: 300 }, spool: { dir: "${host.spoolDir}" } } ]`,
    'limits: { flush_interval_ms: 50, shutdown_timeout_ms: 500 }',
  ]);
}

const markerOf = (r: DecodedLog) => (r.eventName === 'process.exec' ? (r.attributes['process.command_args'] as string[])[1] : undefined);

function markers(records: DecodedLog[], prefix: string): string[] {
  return records.map(markerOf).filter((m): m is string => typeof m === 'string' && m.startsWith(prefix));
}

/** Decodes a spool file by its recorded encoding ("BPAP" protobuf, "BPAJ" JSON; Z for gzip and S for zstd instead of A). */
function decodeSpoolFile(path: string): DecodedLog[] {
  const buf = readFileSync(path);
  const magic = buf.subarray(0, 4).toString('latin1');
  expect(magic).toMatch(/^BP[AZS][PJ]$/);
  const plain = { A: (b: Buffer) => b, Z: gunzipSync, S: zstdDecompressSync }[magic[2] as 'A' | 'Z' | 'S'];
  const payload = plain(buf.subarray(12));
  return magic.endsWith('J') ? decodeJson(payload) : decodeProtobuf(payload);
}

function spooled(host: InstallRoot, prefix: string): string[] {
  const dir = join(host.spoolDir, 'otlp-0');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.otlp'))
    .sort()
    .flatMap((f) => markers(decodeSpoolFile(join(dir, f)), prefix));
}


async function closedCollectorUrl(): Promise<{ server: OtlpTestServer; url: string; port: number }> {
  const server = new OtlpTestServer();
  const url = await server.start();
  const port = server.port;
  await server.stop();
  return { server, url, port };
}

describeKernel('the OTLP spool in an installation', () => {
  it('batches spooled as http/protobuf are delivered, decodable, by a receiver restarted for http/json', async () => {
    const host = installRoot('spool-switch');
    const { server, url, port } = await closedCollectorUrl();
    const prefix = `switch${process.pid}`;
    const a = await startCli(otlpConfig(host, 'protobuf.yaml', url, 'http/protobuf'));
    const first = await markedExecs(prefix, 0, 10, 20);
    await until('the records in the spool', () => spooled(host, prefix).length === 10);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);

    await server.start(port);
    const b = await startCli(otlpConfig(host, 'json.yaml', url, 'http/json'));
    const later = await markedExecs(prefix, 10, 14, 20);
    await until('every record at the collector', () => markers(server.records, prefix).length >= 14, 15_000);
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    await server.stop();
    expect(server.errors).toEqual([]);
    expect(markers(server.records, prefix)).toEqual([...first, ...later]);
    const types = new Set(server.requests.filter((r) => markers(r.records, prefix).length).map((r) => r.contentType));
    expect(types).toEqual(new Set(['application/x-protobuf', 'application/json']));
  });

  it('a batch refused as malformed (400) is set aside with the answer; the batches after it arrive', async () => {
    const host = installRoot('spool-400');
    const server = new OtlpTestServer();
    const url = await server.start();
    const prefix = `refused${process.pid}`;
    // the first batch of marked records after `refuse` is malformed for this collector, as its every copy is: a
    // retry in another compression (the default's fallback) is refused the same way
    let refuse = false;
    let malformed: string | undefined;
    server.refuse = (records) => {
      const batch = markers(records, prefix).join();
      if (refuse && batch && malformed === undefined) malformed = batch;
      return batch && batch === malformed ? { status: 400, body: 'proto: illegal wireType 7 for field logRecords' } : undefined;
    };
    const cli = await startCli(otlpConfig(host, 'bpfaudit.yaml', url, 'http/protobuf'));
    const before = await markedExecs(prefix, 0, 5, 100);
    await until('the first records', () => markers(server.records, prefix).length === 5);
    refuse = true;
    const during = await markedExecs(prefix, 5, 10, 100);
    const after = await markedExecs(prefix, 10, 15, 100);
    await until('the later records', () => markers(server.records, prefix).includes(after[after.length - 1]), 10_000);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    await server.stop();

    const rejected = join(host.spoolDir, 'otlp-0', 'rejected');
    const files = readdirSync(rejected).sort();
    expect(files).toHaveLength(2);
    const [batch, answer] = files;
    expect(answer).toBe(`${batch}.answer.txt`);
    expect(readFileSync(join(rejected, answer), 'utf8')).toMatch(/^HTTP 400 Bad Request\n[\s\S]*proto: illegal wireType 7 for field logRecords/);
    const setAside = decodeSpoolFile(join(rejected, batch));
    // every record is either at the collector or in the batch set aside, once
    const all = [...markers(server.records, prefix), ...markers(setAside, prefix)].sort();
    expect(all).toEqual([...before, ...during, ...after]);
    expect(markers(setAside, prefix).length).toBeGreaterThan(0);
    expect(cli.stderr()).toContain(`collector refused a batch of ${setAside.length} records for good (HTTP 400: proto: illegal wireType 7`);
    expect(cli.stderr()).toMatch(new RegExp(`exporter\\[0\\]=otlp .* failed=${setAside.length} .*set_aside=1`));
    // sent as zstd, then as gzip; refused in both, it says nothing of the compression, and later batches go as zstd
    expect(server.refusedAt).toHaveLength(2);
    expect(cli.stderr()).not.toContain('from now on');
    expect(server.requests.at(-1)!.contentEncoding).toBe('zstd');
  });

  it('kill -9 while spooling under load: after a restart every spooled record arrives exactly once', async () => {
    const host = installRoot('spool-kill');
    const { server, url, port } = await closedCollectorUrl();
    const prefix = `killed${process.pid}`;
    const cli = await startCli(otlpConfig(host, 'bpfaudit.yaml', url, 'http/protobuf'));
    const dir = join(host.spoolDir, 'otlp-0');
    const batches = () => readdirSync(dir).filter((f) => f.endsWith('.otlp')).length;
    let running = true;
    const loads = Array.from({ length: 4 }, async (_, w) => {
      const made: string[] = [];
      for (let i = 0; running && i < 2000; i++) made.push(...(await markedExecs(`${prefix}-w${w}`, i, i + 1, 0)));
      return made;
    });
    try {
      await until('several spooled batches', () => batches() >= 20, 20_000);
      cli.child.kill('SIGKILL');
      await cli.exited;
    } finally {
      running = false;
    }
    const made = (await Promise.all(loads)).flat();
    const onDisk = spooled(host, prefix);
    expect(onDisk.length).toBeGreaterThan(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.corrupt'))).toEqual([]);

    await server.start(port);
    const again = await startCli(otlpConfig(host, 'bpfaudit.yaml', url, 'http/protobuf'));
    await until('every spooled record at the collector', () => markers(server.records, prefix).length >= onDisk.length, 20_000);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    await server.stop();
    const arrived = markers(server.records, prefix);
    expect(arrived).toEqual(onDisk);
    expect(new Set(arrived).size).toBe(arrived.length);
    expect(readdirSync(dir).filter((f) => /\.(otlp|tmp)$/.test(f))).toEqual([]);
    // what the killed process held in memory (read from the ring, not yet spooled) died with it
    process.stdout.write(`kill -9: ${made.length} execs made, ${onDisk.length} spooled and delivered once after the restart, ${made.length - onDisk.length} in memory at the kill\n`);
  });

  it('a full spool disk holds the records back and retries; once there is room every record reaches the collector once', async () => {
    const host = installRoot('spool-full');
    mkdirSync(host.spoolDir, { recursive: true, mode: 0o755 });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'bpfaudit-test', host.spoolDir]);
    const server = new OtlpTestServer();
    try {
      const url = await server.start();
      const prefix = `spoolfull${process.pid}`;
      const cli = await startCli(otlpConfig(host, 'bpfaudit.yaml', url, 'http/protobuf'));
      const first = await markedExecs(prefix, 0, 10, 10);
      await until('the first records at the collector', () => markers(server.records, prefix).length === 10);

      // fill the file system to the last byte (a batch of ten records is smaller than a page), and again once
      // the batches being sent meanwhile (the host's other execs) are deleted and their pages free
      const filler = join(host.spoolDir, 'filler');
      const batches = () => readdirSync(join(host.spoolDir, 'otlp-0')).filter((f) => /\.(otlp|tmp)$/.test(f)).length;
      const fill = () => {
        const fd = openSync(filler, 'a');
        try {
          for (const chunk of [4096, 1]) {
            try {
              for (;;) writeSync(fd, Buffer.alloc(chunk));
            } catch (e) {
              expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
            }
          }
        } finally {
          closeSync(fd);
        }
      };
      for (const _ of [1, 2]) {
        await until('no batch on its way', () => batches() === 0);
        fill();
        await new Promise((r) => setTimeout(r, 300));
      }
      const held = await markedExecs(prefix, 10, 40, 10);
      await until('the spool to report the full disk', () => /spool .*: ENOSPC.*; holding \d+ records/.test(cli.stderr()));
      expect(markers(server.records, prefix)).toEqual(first);

      unlinkSync(filler);
      const later = await markedExecs(prefix, 40, 50, 10);
      const all = [...first, ...held, ...later];
      await until('every record at the collector', () => markers(server.records, prefix).length >= all.length, 20_000);
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      // a batch written again joins the spool behind those written meanwhile: every record once, not necessarily in order
      const arrived = markers(server.records, prefix);
      expect([...arrived].sort()).toEqual([...all].sort());
      expect(cli.stderr()).toContain('writing again; the held records are on disk');
      expect(cli.stderr()).toMatch(/exporter\[0\]=otlp .* rejected=0 failed=0 /);
      expect(readdirSync(join(host.spoolDir, 'otlp-0')).filter((f) => /\.(otlp|tmp)$/.test(f))).toEqual([]);
    } finally {
      await server.stop();
      // lazily: a receiver still running after a failed assertion must not hide the failure
      execFileSync('umount', ['--lazy', host.spoolDir]);
    }
  });

  it('a second receiver on the same spool exits 1 naming the holder; after the holder stops it starts', async () => {
    const host = installRoot('spool-lock');
    const server = new OtlpTestServer();
    const url = await server.start();
    const cfg = otlpConfig(host, 'bpfaudit.yaml', url, 'http/protobuf');
    const first = await startCli(cfg);
    const second = await failingCli(cfg);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`bpfaudit: cannot start: exporter[0] otlp: spool ${join(host.spoolDir, 'otlp-0')} is in use by another bpfaudit (pid ${first.child.pid})`);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const third = await startCli(cfg);
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    await server.stop();
  });
});
