// The shape of the config file as data: validate.ts walks a YAML document
// against it, and it is small enough to print as JSON Schema later.

export type SchemaNode =
  | { kind: 'bool' }
  | { kind: 'int'; min: number; max: number; powerOfTwo?: boolean }
  | { kind: 'string'; enum?: readonly string[]; pattern?: RegExp; describe?: string }
  | { kind: 'scalar' }
  | { kind: 'object'; fields: Record<string, SchemaNode>; required?: readonly string[] }
  | { kind: 'map'; values: SchemaNode }
  | { kind: 'array'; items: SchemaNode; minItems?: number }
  | { kind: 'tagged'; tag: string; variants: Record<string, SchemaNode & { kind: 'object' }> };

const bool = { kind: 'bool' } as const;
const int = (min: number, max: number, powerOfTwo = false): SchemaNode => ({ kind: 'int', min, max, powerOfTwo });
const FORMAT = { kind: 'string', enum: ['text', 'jsonl', 'otlp-json'] } as const;

export const CONFIG_SCHEMA: SchemaNode = {
  kind: 'object',
  fields: {
    probes: {
      kind: 'object',
      fields: {
        exec: {
          kind: 'object',
          fields: { enabled: bool, argv: bool, max_args: int(1, 1024), exit: bool },
        },
        tcp: { kind: 'object', fields: { connect: bool, accept: bool, close: bool } },
        udp: {
          kind: 'object',
          fields: { bind: bool, connect: bool, send: bool, receive: bool, window_ms: int(100, 3_600_000) },
        },
        ipset: { kind: 'object', fields: { enabled: bool } },
      },
    },
    exporters: {
      kind: 'array',
      minItems: 1,
      items: {
        kind: 'tagged',
        tag: 'type',
        variants: {
          stdout: { kind: 'object', fields: { type: { kind: 'string' }, format: FORMAT } },
          file: {
            kind: 'object',
            required: ['path'],
            fields: { type: { kind: 'string' }, path: { kind: 'string', pattern: /^\/./, describe: 'an absolute path' }, format: FORMAT },
          },
          otlp: {
            kind: 'object',
            fields: {
              type: { kind: 'string' },
              endpoint: { kind: 'string', pattern: /^https?:\/\/[^\s/]+/, describe: 'an http:// or https:// URL' },
              protocol: { kind: 'string', enum: ['http/protobuf', 'http/json'] },
              headers: { kind: 'map', values: { kind: 'string' } },
              timeout_ms: int(1, 600_000),
            },
          },
        },
      },
    },
    resource: { kind: 'object', fields: { attributes: { kind: 'map', values: { kind: 'scalar' } } } },
    limits: {
      kind: 'object',
      fields: {
        ring_buffer_bytes: int(1 << 16, 1 << 30, true),
        batch_bytes: int(1 << 12, 1 << 26),
        max_inflight_batches: int(1, 64),
        poll_ms: int(1, 10_000),
        queue_size: int(1, 1 << 24),
        export_batch_size: int(1, 1 << 20),
        flush_interval_ms: int(1, 600_000),
        udp_flows: int(16, 1 << 22),
      },
    },
  },
};
