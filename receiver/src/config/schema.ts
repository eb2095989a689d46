// The shape of the config file as data: validate.ts walks a YAML document
// against it, and json_schema.ts prints it as the JSON Schema in config/.
import { existsSync } from 'node:fs';
import { KIND_TYPES, parseCidr, parseExe, parseKinds, parseNetlog } from '../filters/ignore_rule';
import { FACILITIES } from '../exporters/syslog/syslog_message';
import { ENDPOINT_PATTERN, parseEndpoint } from '../exporters/syslog/syslog_transport';
import { COMPRESSIONS } from '../delivery/compression';

/** A semantic check: undefined when fine, a string for an error, { warning } for a note. */
export type Check = (value: string) => string | { warning: string } | undefined;

export type SchemaNode =
  | { kind: 'bool' }
  | { kind: 'int'; min: number; max: number; powerOfTwo?: boolean }
  | { kind: 'string'; enum?: readonly string[]; pattern?: RegExp; describe?: string; check?: Check }
  | { kind: 'negatable'; min: number; max: number }
  | { kind: 'either'; string: SchemaNode & { kind: 'string' }; object: SchemaNode & { kind: 'object' } }
  | { kind: 'scalar' }
  | { kind: 'object'; fields: Record<string, SchemaNode>; required?: readonly string[]; emptyMessage?: string }
  | { kind: 'map'; values: SchemaNode }
  | { kind: 'array'; items: SchemaNode; minItems?: number; unique?: boolean; check?: (values: string[]) => string | undefined }
  | { kind: 'tagged'; tag: string; variants: Record<string, SchemaNode & { kind: 'object' }> };

const bool = { kind: 'bool' } as const;
const int = (min: number, max: number, powerOfTwo = false): SchemaNode => ({ kind: 'int', min, max, powerOfTwo });
const FORMAT = { kind: 'string', enum: ['text', 'jsonl', 'otlp-json'] } as const;

function probe(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** A rule for a binary this host does not have stays in the file but cannot match: a warning, not an error. */
function missingExe(path: string): { warning: string } | undefined {
  return existsSync(path) ? undefined : { warning: `${path} does not exist on this host: the rule is skipped` };
}

const readable: Check = (v) => (existsSync(v) ? undefined : `${v} does not exist`);

const TLS_FILES: SchemaNode = {
  kind: 'object',
  fields: {
    ca_file: { kind: 'string', describe: 'a readable file', check: readable },
    cert_file: { kind: 'string', describe: 'a readable file', check: readable },
    key_file: { kind: 'string', describe: 'a readable file', check: readable },
  },
};

const existingExe: Check = (v) => probe(() => parseExe(v)) ?? missingExe(v.replace(/^!/, '').trim());

const netlogLine: Check = (v) => {
  let exe: string | undefined;
  const problem = probe(() => {
    exe = parseNetlog(v).exe?.value;
  });
  return problem ?? (exe ? missingExe(exe) : undefined);
};

const IGNORE_RULE: SchemaNode = {
  kind: 'either',
  string: { kind: 'string', describe: 'netlog syntax /path|i<ip>|p<port>', check: netlogLine },
  object: {
    kind: 'object',
    emptyMessage: 'an empty rule would ignore everything',
    fields: {
      exe: { kind: 'string', describe: 'an absolute path, optionally "!"-prefixed', check: existingExe },
      uid: { kind: 'negatable', min: 0, max: 0xfffffffe },
      port: { kind: 'negatable', min: 1, max: 65535 },
      cidr: { kind: 'string', describe: 'an IP address or CIDR, optionally "!"-prefixed', check: (v) => probe(() => parseCidr(v.replace(/^!/, '').trim())) },
      kinds: {
        kind: 'array',
        minItems: 1,
        items: { kind: 'string', describe: `an event kind (${Object.keys(KIND_TYPES).join(', ')}), optionally "!"-prefixed`, check: (v) => probe(() => parseKinds([v])) },
        check: (vs) => probe(() => parseKinds(vs)),
      },
    },
  },
};

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
        inbound: {
          kind: 'object',
          fields: {
            enabled: bool,
            interfaces: {
              kind: 'array',
              unique: true,
              items: { kind: 'string', pattern: /^[^\s/]{1,15}$/, describe: 'an interface name or shell pattern (at most 15 characters, no "/")' },
            },
            loopback: bool,
            window_seconds: int(1, 3600),
            min_packets: int(0, 2 ** 32),
            max_sources: int(64, 1 << 20),
            alerts: {
              kind: 'object',
              fields: {
                packets_per_second: int(0, 2 ** 32),
                bytes_per_second: int(0, 2 ** 40),
                distinct_ports: int(0, 1024),
                closed_port_syns: int(0, 2 ** 32),
              },
            },
          },
        },
      },
    },
    filters: {
      kind: 'object',
      fields: { ignore: { kind: 'array', items: IGNORE_RULE } },
    },
    dedup: {
      kind: 'object',
      fields: {
        window_ms: int(100, 3_600_000),
        kinds: { kind: 'array', unique: true, items: { kind: 'string', enum: ['network.tcp.connect', 'network.tcp.accept', 'network.tcp.close'] } },
        keys: { kind: 'array', unique: true, items: { kind: 'string', enum: ['process', 'user', 'remote_address', 'service_port'] } },
      },
    },
    security: {
      kind: 'object',
      fields: { run_as: { kind: 'string', pattern: /^[a-z_][a-z0-9_-]*\$?$|^\d+$/, describe: 'a user name or uid ("root" keeps root)' } },
    },
    kubernetes: {
      kind: 'object',
      fields: {
        enabled: bool,
        log_dir: { kind: 'string', pattern: /^\/./, describe: 'an absolute path' },
        node_name: { kind: 'string', describe: 'the node name (empty: $K8S_NODE_NAME, else the host name)' },
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
              compression: { kind: 'string', enum: COMPRESSIONS },
              tls: TLS_FILES,
              retry: { kind: 'object', fields: { initial_ms: int(10, 600_000), max_ms: int(10, 3_600_000) } },
              encoder: { kind: 'string', enum: ['direct', 'sdk'] },
              spool: {
                kind: 'object',
                fields: { dir: { kind: 'string', pattern: /^\/./, describe: 'an absolute path' }, max_bytes: int(1 << 20, 2 ** 40) },
              },
            },
          },
          syslog: {
            kind: 'object',
            fields: {
              type: { kind: 'string' },
              endpoint: { kind: 'string', pattern: ENDPOINT_PATTERN, describe: 'unix:///path, udp://host:port, tcp://host:port or tls://host:port', check: (v) => probe(() => parseEndpoint(v)) },
              format: { kind: 'string', enum: ['rfc5424', 'rfc3164'] },
              message: { kind: 'string', enum: ['structured', 'json'] },
              facility: { kind: 'string', enum: Object.keys(FACILITIES) },
              sd_id: { kind: 'string', pattern: /^[!#-<>-\\^-~]{1,32}$/, describe: 'an SD-ID: 1 to 32 printable ASCII characters without space, =, ] or " (name@enterprise-number)' },
              // 480 is what every receiver must take (RFC 5426); 65507 the most a UDP datagram holds
              max_message_bytes: int(480, 65507),
              resend_bytes: int(0, 1 << 30),
              connect_timeout_ms: int(100, 600_000),
              tls: TLS_FILES,
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
        idle_flush_ms: int(1, 600_000),
        fold_entries: int(16, 1 << 22),
        socket_owner_slots: int(1, 1 << 22, true),
        stats_interval_ms: int(100, 86_400_000),
        shutdown_timeout_ms: int(0, 600_000),
        record_path: { kind: 'string', enum: ['sdk', 'direct'] },
        priority_boost: int(0, 20),
      },
    },
  },
};
