// Records of one process state share one process part, built once per batch;
// with or without it, every record carries exactly the same attributes, and
// the OTLP encoder writes exactly the same bytes.
import { describe, expect, it } from 'vitest';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { ExitEvent, ProcInfo, TcpEvent } from '../../receiver/src/events';
import { SAMPLE_PROC } from '../../receiver/src/decode/encode';
import { OtlpLogsEncoder } from '../../receiver/src/delivery/otlp_protobuf';
import { eventToLogRecord, type MappingContext } from '../../receiver/src/mapping/event_to_logrecord';
import { ProcessParts } from '../../receiver/src/mapping/process_part';
import { decodeProtobuf } from '../helpers/otlp/otlp_decode';
import { readable, testContext } from '../helpers/records';

const connect = (proc: ProcInfo, port = 443): TcpEvent => ({
  kind: 'tcp.connect', ktimeNs: 10n, proc, ipVersion: 4, localAddress: '10.0.0.5', localPort: 52507,
  remoteAddress: '93.184.216.34', remotePort: port, inbound: false, error: 0, durationNs: 0n, bytesSent: 0n, bytesReceived: 0n, noOwner: false, startUnknown: false,
});
const exit = (proc: ProcInfo): ExitEvent => ({ kind: 'exit', ktimeNs: 20n, proc, exitCode: 0, signal: undefined });

/** One event stream mapped with a batch's shared parts and without them. */
function both(events: (TcpEvent | ExitEvent)[], over: Partial<MappingContext> = {}) {
  const shared = testContext({ ...over, processParts: new ProcessParts() });
  return { parted: events.map((e) => eventToLogRecord(e, shared)), plain: events.map((e) => eventToLogRecord(e, testContext(over))) };
}

describe('process parts', () => {
  it('are shared by the records of one process state, which carry the same attributes as without them', () => {
    const { parted, plain } = both([connect(SAMPLE_PROC), connect(SAMPLE_PROC, 80), exit(SAMPLE_PROC)]);
    expect(parted[0].processPart).toBeDefined();
    expect(parted[1].processPart).toBe(parted[0].processPart);
    expect(parted[2].processPart).toBe(parted[0].processPart);
    expect(parted.map((r) => r.attributes)).toEqual(plain.map((r) => r.attributes));
    expect(plain.every((r) => r.processPart === undefined)).toBe(true);
    // the record adds to a copy: the shared part is left as it was
    expect(parted[0].processPart).not.toHaveProperty('network.peer.port');
    expect(Object.isFrozen(parted[0].processPart)).toBe(true);
  });

  it.each([
    ['euid', { euid: 0 }, 'process.user.id', 0],
    ['uid', { uid: 0 }, 'user.name', 'root'],
    ['a new program run', { execId: 4n }, 'process.entity_id', 'id-4242-5000000000-4'],
    ['the parent', { ppid: 1 }, 'process.parent_pid', 1],
    ['the tty', { tty: '' }, 'process.interactive', false],
    ['the session', { sid: 1 }, 'process.session_leader.pid', 1],
  ])('are rebuilt when %s changes', (_what, change, key, value) => {
    const changed = { ...SAMPLE_PROC, ...change };
    const { parted, plain } = both([connect(SAMPLE_PROC), connect(changed), connect(SAMPLE_PROC)]);
    expect(parted[1].processPart).not.toBe(parted[0].processPart);
    expect(parted[1].attributes[key]).toEqual(value);
    expect(parted.map((r) => r.attributes)).toEqual(plain.map((r) => r.attributes));
  });

  it('are rebuilt when the executable known for the process changes', () => {
    let path = '/usr/bin/curl';
    const { parted } = both([connect(SAMPLE_PROC)], { executablePath: () => path });
    const shared = testContext({ executablePath: () => path, processParts: new ProcessParts() });
    const first = eventToLogRecord(connect(SAMPLE_PROC), shared);
    path = '/usr/bin/wget';
    const second = eventToLogRecord(connect(SAMPLE_PROC), shared);
    expect(parted[0].attributes['process.executable.path']).toBe('/usr/bin/curl');
    expect(second.processPart).not.toBe(first.processPart);
    expect(second.attributes['process.executable.path']).toBe('/usr/bin/wget');
  });

  it('give the OTLP encoder the same bytes as records without them, in any order and across batches', () => {
    const other = { ...SAMPLE_PROC, pid: 777, tty: '' };
    const events = [connect(SAMPLE_PROC), connect(other), exit(SAMPLE_PROC), connect(other, 22), exit(other)];
    const { parted, plain } = both(events);
    const enc = new OtlpLogsEncoder();
    const expected = new OtlpLogsEncoder().encode(plain.map(readable));
    for (let round = 0; round < 2; round++) expect(Buffer.compare(enc.encode(parted.map(readable)), expected)).toBe(0);
    expect(decodeProtobuf(expected)).toEqual(decodeProtobuf(ProtobufLogsSerializer.serializeRequest(plain.map(readable))!));
  });

  it('are not trusted by the encoder: a record that does not begin with its part is encoded field by field', () => {
    const { parted } = both([connect(SAMPLE_PROC), exit(SAMPLE_PROC)]);
    const [a, b] = parted.map(readable);
    const reordered = { ...a, attributes: { 'network.transport': 'tcp', ...a.attributes } };
    const changed = { ...b, attributes: { ...b.attributes, 'process.pid': 1 } };
    const missing = { ...b, attributes: { 'process.pid': 4242 } };
    const batch = [reordered, changed, missing];
    const sdk = decodeProtobuf(ProtobufLogsSerializer.serializeRequest(batch)!);
    expect(decodeProtobuf(new OtlpLogsEncoder().encode(batch))).toEqual(sdk);
    expect(sdk[1].attributes['process.pid']).toBe(1);
    expect(Object.keys(sdk[2].attributes)).toEqual(['process.pid']);
  });
});
