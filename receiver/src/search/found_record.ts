// A line of a bpfaudit file as records: a jsonl line is one record, an
// otlp-json line (an ExportLogsServiceRequest) is a batch of them. Anything
// else is an error naming what is wrong, for the caller to report.
import { formatRfc3339Ns } from '../enrich/clock';
import type { RecordJson } from '../exporters/formats';

export interface FoundRecord {
  json: RecordJson;
  /** the line as written, for jsonl lines (printed as is) */
  line?: string;
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: AnyValue[] } };

function anyValue(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(anyValue);
  return undefined;
}

const time = (nanos: unknown) => (typeof nanos === 'string' || typeof nanos === 'number' ? formatRfc3339Ns(BigInt(nanos)) : '');

function fromOtlp(request: { resourceLogs?: { scopeLogs?: { logRecords?: Record<string, any>[] }[] }[] }): FoundRecord[] {
  const out: FoundRecord[] = [];
  for (const rl of request.resourceLogs ?? [])
    for (const sl of rl.scopeLogs ?? [])
      for (const r of sl.logRecords ?? []) {
        const attributes: Record<string, unknown> = {};
        for (const kv of r.attributes ?? []) attributes[kv.key] = anyValue(kv.value);
        out.push({
          json: {
            timestamp: time(r.timeUnixNano),
            observedTimestamp: time(r.observedTimeUnixNano),
            eventName: r.eventName,
            severityNumber: r.severityNumber,
            severityText: r.severityText,
            body: anyValue(r.body),
            attributes,
          },
        });
      }
  return out;
}

/** Throws an Error saying why the line is not a record. */
export function recordsOfLine(line: string): FoundRecord[] {
  const parsed = JSON.parse(line);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
  if ('resourceLogs' in parsed) return fromOtlp(parsed);
  if (typeof parsed.timestamp !== 'string' || typeof parsed.attributes !== 'object' || parsed.attributes === null) throw new Error('neither a jsonl record nor an OTLP/JSON request');
  return [{ json: parsed as RecordJson, line }];
}
