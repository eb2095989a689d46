// Strict decoding of OTLP logs requests for the test collector: protobuf by
// the schema in otlp_logs.proto (unknown or non-canonical fields rejected),
// and OTLP/JSON with every key and value type checked against the same schema.
import { join } from 'node:path';
import protobuf from 'protobufjs';

const root = protobuf.loadSync(join(__dirname, 'otlp_logs.proto'));
root.resolveAll();
export const RequestType = root.lookupType('bpfaudit.test.otlp.ExportLogsServiceRequest');
export const ResponseType = root.lookupType('bpfaudit.test.otlp.ExportLogsServiceResponse');

export type AttrType = 'string' | 'int' | 'double' | 'bool' | 'array' | 'kvlist' | 'bytes';

export interface DecodedLog {
  resource: Record<string, unknown>;
  scope: { name: string; version?: string };
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  eventName: string;
  body: unknown;
  attributes: Record<string, unknown>;
  attributeTypes: Record<string, AttrType>;
}

const INT_TYPES = new Set(['int32', 'uint32', 'fixed32', 'sint32', 'sfixed32']);
const LONG_TYPES = new Set(['int64', 'uint64', 'fixed64', 'sint64', 'sfixed64']);

function fail(path: string, msg: string): never {
  throw new Error(`OTLP/JSON ${path}: ${msg}`);
}

function checkScalar(field: protobuf.Field, v: unknown, path: string): void {
  const t = field.type;
  if (t === 'string') {
    if (typeof v !== 'string') fail(path, `expected string, got ${typeof v}`);
  } else if (t === 'bool') {
    if (typeof v !== 'boolean') fail(path, `expected boolean, got ${typeof v}`);
  } else if (INT_TYPES.has(t)) {
    if (typeof v !== 'number' || !Number.isInteger(v)) fail(path, `expected integer, got ${JSON.stringify(v)}`);
  } else if (LONG_TYPES.has(t)) {
    const ok = (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v));
    if (!ok) fail(path, `expected 64-bit integer (number or decimal string), got ${JSON.stringify(v)}`);
  } else if (t === 'double') {
    if (typeof v !== 'number' && !['NaN', 'Infinity', '-Infinity'].includes(v as string)) fail(path, 'expected number');
  } else if (t === 'bytes') {
    if (typeof v !== 'string' || !/^[0-9a-fA-F]*$/.test(v)) fail(path, 'expected hex-encoded bytes');
  } else {
    fail(path, `unsupported field type ${t}`);
  }
}

/** Every key must be a field of the message (lowerCamelCase), every value of the field's type. */
export function checkJson(type: protobuf.Type, obj: unknown, path = type.name): void {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) fail(path, 'expected an object');
  for (const [key, value] of Object.entries(obj as Record<string, unknown>)) {
    const field = type.fields[key];
    if (!field) fail(`${path}.${key}`, `unknown field (known: ${Object.keys(type.fields).join(', ')})`);
    const values = field.repeated ? value : [value];
    if (field.repeated && !Array.isArray(value)) fail(`${path}.${key}`, 'expected an array');
    (values as unknown[]).forEach((v, i) => {
      const at = field.repeated ? `${path}.${key}[${i}]` : `${path}.${key}`;
      if (field.resolvedType instanceof protobuf.Type) checkJson(field.resolvedType, v, at);
      else checkScalar(field, v, at);
    });
  }
  for (const oneof of type.oneofsArray) {
    const set = oneof.oneof.filter((name) => (obj as Record<string, unknown>)[name] !== undefined);
    if (set.length > 1) fail(path, `oneof ${oneof.name} has ${set.join(' and ')}`);
  }
}

type Obj = Record<string, any>;

function anyValue(v: Obj | undefined): { value: unknown; type: AttrType } {
  if (!v) return { value: undefined, type: 'string' };
  if (v.stringValue !== undefined) return { value: v.stringValue, type: 'string' };
  if (v.boolValue !== undefined) return { value: v.boolValue, type: 'bool' };
  if (v.intValue !== undefined) return { value: Number(v.intValue), type: 'int' };
  if (v.doubleValue !== undefined) return { value: Number(v.doubleValue), type: 'double' };
  if (v.arrayValue !== undefined) return { value: (v.arrayValue.values ?? []).map((x: Obj) => anyValue(x).value), type: 'array' };
  if (v.kvlistValue !== undefined) return { value: keyValues(v.kvlistValue.values).values, type: 'kvlist' };
  if (v.bytesValue !== undefined) return { value: v.bytesValue, type: 'bytes' };
  return { value: undefined, type: 'string' };
}

function keyValues(list: Obj[] | undefined) {
  const values: Record<string, unknown> = {};
  const types: Record<string, AttrType> = {};
  for (const kv of list ?? []) {
    if (kv.key in values) throw new Error(`duplicate attribute key ${kv.key}`);
    const { value, type } = anyValue(kv.value);
    values[kv.key] = value;
    types[kv.key] = type;
  }
  return { values, types };
}

/** Flattens a request (protobuf toObject or checked JSON: both camelCase) into records. */
export function flatten(req: Obj): DecodedLog[] {
  const out: DecodedLog[] = [];
  for (const rl of req.resourceLogs ?? []) {
    const resource = keyValues(rl.resource?.attributes).values;
    for (const sl of rl.scopeLogs ?? []) {
      const scope = { name: sl.scope?.name ?? '', version: sl.scope?.version };
      for (const lr of sl.logRecords ?? []) {
        const attrs = keyValues(lr.attributes);
        out.push({
          resource,
          scope,
          timeUnixNano: BigInt(lr.timeUnixNano ?? 0),
          observedTimeUnixNano: BigInt(lr.observedTimeUnixNano ?? 0),
          severityNumber: lr.severityNumber ?? 0,
          severityText: lr.severityText ?? '',
          eventName: lr.eventName ?? '',
          body: anyValue(lr.body).value,
          attributes: attrs.values,
          attributeTypes: attrs.types,
        });
      }
    }
  }
  return out;
}

export function decodeProtobuf(body: Uint8Array): DecodedLog[] {
  const msg = RequestType.decode(body);
  const problem = RequestType.verify(msg);
  if (problem) throw new Error(`OTLP/protobuf: ${problem}`);
  // protobufjs skips unknown fields; a canonical re-encoding of the same
  // message must come out byte-identical, so anything skipped shows here
  const again = RequestType.encode(msg).finish();
  if (Buffer.compare(Buffer.from(again), Buffer.from(body)) !== 0) {
    throw new Error(`OTLP/protobuf: payload has fields outside the schema (${body.length} bytes, ${again.length} re-encoded)`);
  }
  return flatten(RequestType.toObject(msg, { longs: String, enums: Number, bytes: String, defaults: false }));
}

export function decodeJson(body: Uint8Array): DecodedLog[] {
  const obj = JSON.parse(Buffer.from(body).toString('utf8'));
  checkJson(RequestType, obj);
  return flatten(obj);
}
