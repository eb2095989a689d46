// The validated configuration, after defaults are applied.
import type { Facility } from '../exporters/syslog/syslog_message';
import type { Compression } from '../delivery/compression';

export type OutputFormat = 'text' | 'jsonl' | 'otlp-json';
export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface StdoutExporterConfig {
  type: 'stdout';
  format: OutputFormat;
}

export interface FileExporterConfig {
  type: 'file';
  path: string;
  format: OutputFormat;
}

export interface OtlpExporterConfig {
  type: 'otlp';
  /** base URL; /v1/logs is appended. Unset: OTEL_EXPORTER_OTLP_(LOGS_)ENDPOINT or the SDK default */
  endpoint?: string;
  /** unset: OTEL_EXPORTER_OTLP_(LOGS_)PROTOCOL, else http/protobuf */
  protocol?: OtlpProtocol;
  headers?: Record<string, string>;
  timeout_ms?: number;
  /** unset: OTEL_EXPORTER_OTLP_(LOGS_)COMPRESSION, else zstd with gzip for an endpoint that refuses it (OTLP_COMPRESSION_DEFAULT) */
  compression?: Compression;
  /** unset: OTEL_EXPORTER_OTLP_(LOGS_)CERTIFICATE / CLIENT_CERTIFICATE / CLIENT_KEY */
  tls?: { ca_file?: string; cert_file?: string; key_file?: string };
  retry: { initial_ms: number; max_ms: number };
  /** http/protobuf encoding: bpfaudit's direct encoder, or the OpenTelemetry SDK's serializer */
  encoder: 'direct' | 'sdk';
  /** batches wait here, on disk, until the collector acknowledges them */
  spool: { dir: string; max_bytes: number };
}

export interface SyslogExporterConfig {
  type: 'syslog';
  /** unix:///dev/log, udp://host:port, tcp://host:port (octet counting) or tls://host:port */
  endpoint: string;
  format: 'rfc5424' | 'rfc3164';
  /** structured: body as MSG, attributes as structured data; json: the record's JSON object as MSG */
  message: 'structured' | 'json';
  facility: Facility;
  /** the SD-ID of the attributes' element */
  sd_id: string;
  /** unset: 2048 over UDP, 8192 otherwise */
  max_message_bytes?: number;
  /** tcp/tls: bytes of the latest messages written again after a connection is lost */
  resend_bytes: number;
  connect_timeout_ms: number;
  /** tls: the CA that signed the receiver's certificate, and a client certificate if the receiver asks for one */
  tls?: { ca_file?: string; cert_file?: string; key_file?: string };
}

export type ExporterConfig = StdoutExporterConfig | FileExporterConfig | OtlpExporterConfig | SyslogExporterConfig;

/** netlog's whitelist line, or the structured form; "!" negates a field. */
export type IgnoreRule =
  | string
  | {
      exe?: string;
      uid?: number | string;
      port?: number | string;
      /** an address or a CIDR, of the remote end */
      cidr?: string;
      /** event names; all prefixed with "!" = every kind but these */
      kinds?: string[];
    };

export type DedupKind = 'network.tcp.connect' | 'network.tcp.accept' | 'network.tcp.close';
export type DedupKey = 'process' | 'user' | 'remote_address' | 'service_port';

/** Thresholds per source address and window; 0 turns a rule off. */
export interface InboundAlerts {
  packets_per_second: number;
  bytes_per_second: number;
  distinct_ports: number;
  closed_port_syns: number;
}

export interface InboundConfig {
  enabled: boolean;
  /** interface names or shell patterns ("veth*"); empty: every interface but loopback, also ones that appear later */
  interfaces: string[];
  /** loopback too (only with this set, whatever the patterns say) */
  loopback: boolean;
  window_seconds: number;
  /** a source with fewer packets in a window gets no summary record (alerts still apply) */
  min_packets: number;
  /** sources counted per window in the kernel (an LRU; evictions are counted) */
  max_sources: number;
  alerts: InboundAlerts;
}

export interface Config {
  probes: {
    exec: { enabled: boolean; argv: boolean; max_args: number; exit: boolean };
    tcp: { connect: boolean; accept: boolean; close: boolean };
    udp: { bind: boolean; connect: boolean; send: boolean; receive: boolean; window_ms: number };
    ipset: { enabled: boolean };
    inbound: InboundConfig;
  };
  filters: { ignore: IgnoreRule[] };
  /** the redundancy cache: repeats within the window folded into one record with a count */
  dedup: { window_ms: number; kinds: DedupKind[]; keys: DedupKey[] };
  /** after start-up: the user to run as, every capability given up ("root": stay root) */
  security: { run_as: string };
  kubernetes: { enabled: boolean; log_dir: string; node_name: string };
  exporters: ExporterConfig[];
  resource: { attributes: Record<string, string | number | boolean> };
  limits: {
    ring_buffer_bytes: number;
    batch_bytes: number;
    max_inflight_batches: number;
    poll_ms: number;
    queue_size: number;
    export_batch_size: number;
    /** a partial batch is written when it is this old... */
    flush_interval_ms: number;
    /** ...or when no record came for this long */
    idle_flush_ms: number;
    /** entries of the kernel's fold table (LRU): UDP flows and the redundancy cache */
    fold_entries: number;
    /**
     * the kernel's table of TCP socket owners, a slot per socket address
     * hash; a socket whose slot is taken uses a fallback LRU table
     */
    socket_owner_slots: number;
    /** a bpfaudit.stats record every this many ms */
    stats_interval_ms: number;
    /** SIGTERM: how long to keep delivering what is queued and spooled */
    shutdown_timeout_ms: number;
    /** how records are made: through the OpenTelemetry SDK's Logger, or directly (faster, same records) */
    record_path: 'sdk' | 'direct';
    /** nice levels the receiver takes above the one it was started with (0: none), as auditd's priority_boost */
    priority_boost: number;
  };
}
