// Pipeline throughput: raw ring-buffer records (in the kernel's layout, as
// the addon frames them) -> decode -> map -> LogRecord -> delivery queue ->
// OTLP/protobuf (via the spool) -> accepted by a local OTLP/HTTP server in a
// process of its own. Timed until the server has acknowledged every record.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, EXPORTER_DEFAULTS, OTLP_COMPRESSION_DEFAULT } from '../config/defaults';
import type { Compression } from '../delivery/compression';
import { execRecord, exitRecord, frameBatch, SAMPLE_PROC, tcpRecord } from '../decode/encode';
import { EVENT_HEADER, EventType, EXEC_EVENT, EXIT_EVENT, FRAME_HEADER, PROC_CTX, TCP_EVENT } from '../decode/layout';
import { cgroupV1MemoryRoot } from '../enrich/containers';
import { Receiver } from '../receiver';
import { setCpus } from './affinity';
import { loadScript, start } from './processes';

/** A process's life in four records: exec, connect, close, exit; each group a new pid, as on a busy host. */
export function sampleBatch(count: number, firstPid: number): Buffer {
  const records: Buffer[] = [];
  // host processes, as the kernel reports them where a v1 memory hierarchy is mounted
  const memory = cgroupV1MemoryRoot();
  const cgroupV1Id = memory ? Number(statSync(memory, { bigint: true }).ino & 0xffffffffn) : 0;
  for (let i = 0; i < count; i++) {
    const k = BigInt(i) * 1000n + 1n;
    const proc = { ...SAMPLE_PROC, cgroupV1Id, pid: firstPid + (i >> 2), tid: firstPid + (i >> 2) };
    const tuple = { family: 2 as const, laddr: [10, 0, 0, 5], lport: 40000 + (i % 20000), raddr: [93, 184, 216, 34], rport: 443, proc };
    switch (i % 4) {
      case 0:
        records.push(execRecord({ ktimeNs: k, proc, exe: '/usr/bin/curl', argv: ['curl', '-s', `https://example.org/${i}`] }));
        break;
      case 1:
        records.push(tcpRecord({ type: EventType.EVENT_TCP_CONNECT, ktimeNs: k, ...tuple }));
        break;
      case 2:
        records.push(tcpRecord({ type: EventType.EVENT_TCP_CLOSE, ktimeNs: k, ...tuple, durationNs: 5_000_000n, bytesSent: 100n, bytesReceived: 4000n }));
        break;
      default:
        records.push(exitRecord(k, 0, proc));
    }
  }
  return frameBatch(records);
}

const PROC_AT: Record<number, number> = {
  [EventType.EVENT_EXEC]: EXEC_EVENT.fields.proc,
  [EventType.EVENT_EXIT]: EXIT_EVENT.fields.proc,
  [EventType.EVENT_TCP_CONNECT]: TCP_EVENT.fields.proc,
  [EventType.EVENT_TCP_CLOSE]: TCP_EVENT.fields.proc,
};

/** Where each record's pid and tid are in a batch, found once per batch. */
function pidFields(batch: Buffer): number[] {
  const at: number[] = [];
  for (let off = 0; off + FRAME_HEADER <= batch.length; ) {
    const len = batch.readUInt32LE(off);
    const record = off + FRAME_HEADER;
    const proc = record + PROC_AT[batch.readUInt32LE(record + EVENT_HEADER.fields.type)];
    at.push(proc + PROC_CTX.fields.pid, proc + PROC_CTX.fields.tid);
    off = record + ((len + 7) & ~7);
  }
  return at;
}

/**
 * Gives a batch's processes pids never used before in the run, as a busy
 * host does. The batches are built once and sent again: with their first
 * pids (4,000 in all) every cache keyed by pid stayed warm and small, and no
 * process identity was hashed after the first pass, which no long-running
 * host sees. Timed with the rest (a few ns a record).
 */
function renumber(batch: Buffer, fields: number[], firstPid: number): void {
  // two fields (pid, tid) per record, four records (one process's life) per pid
  for (let i = 0; i < fields.length; i++) batch.writeUInt32LE(firstPid + (i >> 3), fields[i]);
}

export interface PipelineResult {
  encoder: 'direct' | 'sdk';
  recordPath: 'direct' | 'sdk';
  compression: Compression;
  events: number;
  acknowledged: number;
  seconds: number;
  eventsPerSecond: number;
  /** acknowledged events per CPU-second (user + system, every thread) of the receiver's process; the OTLP server runs in another */
  eventsPerCpuSecond: number;
  requests: number;
  bytesOnWire: number;
  rssMiB: number;
}

/** Where the OTLP server runs: on CPUs of its own while the receiver is confined to one (see affinity.ts). */
export interface PipelineOptions {
  compression?: Compression;
  batchEvents?: number;
  serverCpus?: number[];
}

export async function pipelineThroughput(total: number, encoder: 'direct' | 'sdk', recordPath: 'direct' | 'sdk', options: PipelineOptions = {}): Promise<PipelineResult> {
  const { compression = OTLP_COMPRESSION_DEFAULT.compression, batchEvents = 2000, serverCpus } = options;
  const collector = start(loadScript('collector'));
  if (serverCpus?.length) setCpus(collector.proc.pid!, serverCpus);
  const { url } = await collector.line<{ url: string }>();
  const spool = mkdtempSync(join(tmpdir(), 'bpfaudit-bench-'));
  const config = structuredClone(DEFAULT_CONFIG);
  config.exporters = [{ type: 'otlp', endpoint: url, protocol: 'http/protobuf', ...structuredClone(EXPORTER_DEFAULTS.otlp), encoder, compression, spool: { dir: spool, max_bytes: 1 << 30 } }];
  config.limits.export_batch_size = 4096;
  config.limits.shutdown_timeout_ms = 600_000;
  config.limits.record_path = recordPath;
  const receiver = new Receiver(config);
  const batches = Array.from({ length: 8 }, () => sampleBatch(batchEvents, 0));
  const fields = batches.map(pidFields);
  let peakRss = 0;
  const cpuBefore = process.cpuUsage();
  const began = process.hrtime.bigint();
  for (let sent = 0; sent < total; sent += batchEvents) {
    const b = (sent / batchEvents) % batches.length;
    // pids far above pid_max, so no lookup in /proc finds a real process
    renumber(batches[b], fields[b], 10_000_000 + sent / 4);
    // as the drain thread does: the next batch only once this one is released, in a turn of
    // the event loop of its own, so the spool's disk work is taken up between batches
    await receiver.handleBatch(batches[b]);
    await new Promise((r) => setImmediate(r));
    if ((sent / batchEvents) % 16 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const stopped = await receiver.stop();
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  collector.proc.kill('SIGTERM');
  const stats = await collector.line<{ requests: number; bytes: number }>();
  await collector.exited;
  rmSync(spool, { recursive: true, force: true });
  const acknowledged = stopped.exporters[0].otlp?.exported ?? 0;
  return {
    encoder, recordPath, compression, events: stopped.emitted, acknowledged, seconds, eventsPerSecond: acknowledged / seconds,
    eventsPerCpuSecond: acknowledged / ((cpu.user + cpu.system) / 1e6),
    requests: stats.requests, bytesOnWire: stats.bytes, rssMiB: Math.round(peakRss / 2 ** 20),
  };
}
