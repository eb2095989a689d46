// Every default of the configuration, in one place. With no config file
// this is what runs: every probe, text records on stdout.
import type { Config } from './types';

export const DEFAULT_CONFIG: Config = {
  probes: {
    exec: { enabled: true, argv: true, max_args: 64, exit: true },
    tcp: { connect: true, accept: true, close: true },
    udp: { bind: true, connect: true, send: true, receive: true, window_ms: 10_000 },
    ipset: { enabled: true },
    inbound: {
      enabled: true,
      interfaces: [],
      loopback: false,
      window_seconds: 60,
      min_packets: 10,
      max_sources: 4096,
      // heavy: 10k packets/s or 100 Mbit/s from one address; scan: 100 ports or 50 SYNs to closed ports in a window
      alerts: { packets_per_second: 10_000, bytes_per_second: 12_500_000, distinct_ports: 100, closed_port_syns: 50 },
    },
  },
  filters: { ignore: [] },
  dedup: {
    window_ms: 10_000,
    kinds: ['network.tcp.connect', 'network.tcp.accept', 'network.tcp.close'],
    keys: ['process', 'user', 'remote_address', 'service_port'],
  },
  security: { run_as: 'nobody' },
  kubernetes: { enabled: true, log_dir: '/var/log/containers', node_name: '' },
  exporters: [{ type: 'stdout', format: 'text' }],
  resource: { attributes: {} },
  limits: {
    ring_buffer_bytes: 8 << 20,
    batch_bytes: 1 << 20,
    max_inflight_batches: 4,
    poll_ms: 100,
    // records waiting per exporter before draining pauses: bursts wait in the kernel's ring, not in the heap
    queue_size: 8192,
    export_batch_size: 2048,
    // a batch goes out when full, when no record came for idle_flush_ms, or flush_interval_ms after its first record
    flush_interval_ms: 500,
    idle_flush_ms: 200,
    fold_entries: 65536,
    socket_owner_slots: 65536,
    stats_interval_ms: 60_000,
    shutdown_timeout_ms: 10_000,
    record_path: 'direct',
    // auditd's default: on a saturated host the sensor is served before the workload, so its ring does not overflow
    priority_boost: 4,
  },
};

/**
 * An otlp exporter's compression when neither its entry nor the environment
 * names one. zstd: the OpenTelemetry Collector this sensor is deployed next
 * to takes it (its OTLP/HTTP receiver decodes gzip, zstd, zlib, snappy and
 * lz4 unless told otherwise), at a third of gzip's CPU and two thirds of
 * its bytes. An endpoint that refuses it with 400 or 415 gets the batch
 * again as gzip, and gzip from then on.
 */
export const OTLP_COMPRESSION_DEFAULT = { compression: 'zstd', fallback: 'gzip' } as const;

/** Defaults of each exporter entry, applied to every list item of its type. */
export const EXPORTER_DEFAULTS = {
  stdout: { format: 'text' },
  file: { format: 'jsonl' },
  otlp: {
    retry: { initial_ms: 500, max_ms: 30_000 },
    encoder: 'direct',
    spool: { dir: '/var/lib/bpfaudit/spool', max_bytes: 256 << 20 },
  },
  syslog: {
    endpoint: 'unix:///dev/log',
    format: 'rfc5424',
    message: 'structured',
    facility: 'authpriv',
    // 32473 is the private enterprise number RFC 5612 reserves for documentation: set your own
    sd_id: 'bpfaudit@32473',
    resend_bytes: 4 << 20,
    connect_timeout_ms: 10_000,
  },
} as const satisfies Record<string, object>;

/** Retrying a local write (a file, the spool) that failed: a full disk is waited out, not dropped. */
export const LOCAL_RETRY = { initialMs: 100, maxMs: 5000 };
