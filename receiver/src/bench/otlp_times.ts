// The (EventName, Timestamp) pairs of an OTLP/protobuf logs request, read
// with a minimal wire-format walk: enough for the benchmark's latency
// figures without a protobuf library in the package.
//   ExportLogsServiceRequest.resource_logs = 1 -> ResourceLogs.scope_logs = 2
//   -> ScopeLogs.log_records = 2 -> LogRecord { time_unix_nano = 1 (fixed64), attributes = 6, event_name = 12 }
//   KeyValue { key = 1 }

export interface RecordTime {
  eventName: string;
  timeUnixNs: bigint;
  /** a repeat summary (stamped at its window's end, not at an event) */
  summary: boolean;
}

const SUMMARY_KEY = Buffer.from('bpfaudit.repeat.count');

function varint(buf: Buffer, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = buf[at++];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, at];
    shift += 7;
  }
}

/** Calls visit(field, start, end) for each length-delimited field; skips the others. */
function fields(buf: Buffer, start: number, end: number, visit: (field: number, from: number, to: number) => void): void {
  let at = start;
  while (at < end) {
    const [key, next] = varint(buf, at);
    at = next;
    const field = Math.floor(key / 8);
    switch (key & 7) {
      case 0:
        at = varint(buf, at)[1];
        break;
      case 1:
        visit(field, at, at + 8);
        at += 8;
        break;
      case 2: {
        const [len, from] = varint(buf, at);
        visit(field, from, from + len);
        at = from + len;
        break;
      }
      case 5:
        at += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${key & 7}`);
    }
  }
}

export function recordTimes(request: Buffer): RecordTime[] {
  const out: RecordTime[] = [];
  fields(request, 0, request.length, (f, a, b) => {
    if (f !== 1) return;
    fields(request, a, b, (f2, a2, b2) => {
      if (f2 !== 2) return;
      fields(request, a2, b2, (f3, a3, b3) => {
        if (f3 !== 2) return;
        const r: RecordTime = { eventName: '', timeUnixNs: 0n, summary: false };
        fields(request, a3, b3, (f4, a4, b4) => {
          if (f4 === 1) r.timeUnixNs = request.readBigUInt64LE(a4);
          else if (f4 === 12) r.eventName = request.toString('utf8', a4, b4);
          else if (f4 === 6) fields(request, a4, b4, (f5, a5, b5) => {
            if (f5 === 1 && SUMMARY_KEY.equals(request.subarray(a5, b5))) r.summary = true;
          });
        });
        out.push(r);
      });
    });
  });
  return out;
}
