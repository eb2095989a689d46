// The direct record path (records encoded by our encoder as they are queued)
// and the SDK path (records through the SDK's Logger, serialised by the SDK)
// must put the same records on the wire: one batch of ring records goes
// through a Receiver on each path, and both payloads are decoded strictly
// by the OTLP schema and compared field by field, attribute order included.
import { describe, expect, it } from 'vitest';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { DEFAULT_CONFIG } from '../../receiver/src/config/defaults';
import { EventType, TcpFlags, Flags } from '../../receiver/src/decode/layout';
import { execRecord, exitRecord, frameBatch, SAMPLE_PROC, tcpRecord } from '../../receiver/src/decode/encode';
import { EncodedQueue } from '../../receiver/src/delivery/encoded_queue';
import { OtlpLogsEncoder } from '../../receiver/src/delivery/otlp_protobuf';
import type { QueueingExporter, RecordQueue } from '../../receiver/src/delivery/record_queue';
import { formatRfc3339Ns } from '../../receiver/src/enrich/clock';
import { Receiver } from '../../receiver/src/receiver';
import { decodeProtobuf, type DecodedLog } from '../helpers/otlp/otlp_decode';

/** Keeps every request body its queue or export produced. */
class PayloadExporter implements LogRecordExporter {
  readonly payloads: Uint8Array[] = [];
  export(logs: ReadableLogRecord[], done: (r: ExportResult) => void): void {
    this.payloads.push(ProtobufLogsSerializer.serializeRequest(logs)!);
    done({ code: ExportResultCode.SUCCESS });
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

/** As the OTLP exporter's direct encoder queues: each record encoded when it is queued. */
class EncodingExporter extends PayloadExporter implements QueueingExporter {
  createQueue(): RecordQueue {
    // the bytes are the encoder's until its next take
    return new EncodedQueue(new OtlpLogsEncoder(), (payload, _records, done) => {
      this.payloads.push(Buffer.from(payload));
      done({ code: ExportResultCode.SUCCESS });
    });
  }
}

function batch(): Buffer {
  const records: Buffer[] = [];
  const tuple = { family: 2 as const, laddr: [10, 0, 0, 5], raddr: [93, 184, 216, 34], rport: 443 };
  // pids far above pid_max, so no lookup in /proc finds a real process
  for (let i = 0; i < 300; i++) {
    const proc = { ...SAMPLE_PROC, pid: 10_000_000 + (i >> 3), tid: 10_000_000 + (i >> 3), euid: i % 16 === 7 ? 0 : 1000 };
    const k = BigInt(i) * 1000n + 1n;
    switch (i % 8) {
      case 0:
        records.push(execRecord({ ktimeNs: k, proc, exe: '/usr/bin/curl', argv: ['curl', '-s', `https://example.org/${i}`, 'ü x'], flags: i % 16 ? 0 : Flags.FLAG_ARGS_TRUNCATED }));
        break;
      case 1:
        records.push(tcpRecord({ type: EventType.EVENT_TCP_CONNECT, ktimeNs: k, proc, ...tuple, lport: 40_000 + i, error: i % 3 ? 0 : 111 }));
        break;
      case 2:
        records.push(tcpRecord({ type: EventType.EVENT_TCP_ACCEPT, ktimeNs: k, proc, ...tuple, lport: 8080, inbound: true }));
        break;
      case 3:
        records.push(tcpRecord({ type: EventType.EVENT_TCP_CLOSE, ktimeNs: k, proc, ...tuple, lport: 40_000 + i, durationNs: 1_500_000n, bytesSent: 100n, bytesReceived: 4000n }));
        break;
      case 4:
        records.push(tcpRecord({ type: EventType.EVENT_TCP_CLOSE, ktimeNs: k, proc, ...tuple, lport: 40_000 + i, flags: TcpFlags.TCP_FLAG_NO_OWNER | TcpFlags.TCP_FLAG_START_UNKNOWN }));
        break;
      case 5:
        records.push(exitRecord(k, 9, proc));
        break;
      default:
        records.push(tcpRecord({ type: EventType.EVENT_TCP_CONNECT, ktimeNs: k, proc, family: 10, laddr: [...Array(15).fill(0), 1], lport: 50_000 + i, raddr: [...Array(15).fill(0), 1], rport: 22 }));
    }
  }
  return frameBatch(records);
}

async function run(recordPath: 'direct' | 'sdk', exporter: PayloadExporter): Promise<DecodedLog[]> {
  const config = structuredClone(DEFAULT_CONFIG);
  config.limits.record_path = recordPath;
  // smaller than the batch: the pending body is taken in parts
  config.limits.export_batch_size = 64;
  const receiver = new Receiver(config, { exporters: [exporter] });
  await receiver.handleBatch(batch());
  await receiver.stop();
  return exporter.payloads.flatMap((p) => decodeProtobuf(Buffer.from(p)));
}

describe('the two record paths', () => {
  it('put the same records on the wire, field by field and in attribute order', async () => {
    const direct = await run('direct', new EncodingExporter());
    const sdk = await run('sdk', new PayloadExporter());
    expect(direct).toHaveLength(300);
    expect(sdk).toHaveLength(300);
    // each run read the boot clock's offset itself (a few ns apart) and observed its batch when it took it
    const skew = sdk[0].timeUnixNano - direct[0].timeUnixNano;
    expect(skew < 0n ? -skew : skew).toBeLessThan(1_000_000n);
    const shifted = (t: unknown) => formatRfc3339Ns(BigInt(Date.parse(String(t).slice(0, 19) + 'Z')) * 1_000_000n + BigInt(String(t).slice(20, 29)) + skew);
    const comparable = (l: DecodedLog, shift: boolean) => ({
      ...l,
      timeUnixNano: l.timeUnixNano + (shift ? skew : 0n),
      observedTimeUnixNano: 0n,
      attributes: { ...l.attributes, 'process.creation.time': shift && l.attributes['process.creation.time'] ? shifted(l.attributes['process.creation.time']) : l.attributes['process.creation.time'] },
      attributeOrder: Object.keys(l.attributes),
    });
    for (let i = 0; i < 300; i++) expect(comparable(direct[i], true)).toEqual(comparable(sdk[i], false));
    expect(new Set(direct.map((l) => l.eventName))).toEqual(new Set(['process.exec', 'network.tcp.connect', 'network.tcp.accept', 'network.tcp.close', 'process.exit']));
    expect(direct.filter((l) => l.attributes['bpfaudit.owner.unknown'] === true)).toHaveLength(37);
    expect(direct.find((l) => l.attributes['process.user.id'] === 0)).toBeDefined();
  });
});
