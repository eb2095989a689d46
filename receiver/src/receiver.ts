// The pipeline: sensor batches -> decode -> enrich/map -> OTel logger ->
// exporters. Owns the sensor, the fold windows, the kernel-side settings
// and the LoggerProvider, and swaps the last two on reload.
import { LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { Resource } from '@opentelemetry/resources';
import type { Logger } from '@opentelemetry/api';
import type { Config } from './config/types';
import { decodeBatch, decodeFoldValue } from './decode/decode';
import type { AuditEvent, ProcInfo, RecordEvent, TcpEvent, UdpEvent } from './events';
import { cachedBootClock, formatRfc3339Ns, nsToHrTime, toUnixNs, type BootClock } from './enrich/clock';
import { cgroup2Root, Containers } from './enrich/containers';
import { hostBootSeed, ProcessIdentities } from './enrich/identity';
import { ProcessTable, type ProcessTableStats } from './enrich/process_table';
import { KubernetesPods, podUidFromCgroupPath } from './enrich/kubernetes';
import { UserNames } from './enrich/users';
import { createExporter } from './exporters/factory';
import { FileSink } from './exporters/file_sink';
import { LineExporter } from './exporters/line_exporter';
import { DeliveryProcessor, type DeliveryStats } from './delivery/delivery_processor';
import { SpoolingOtlpExporter, type OtlpDeliveryStats } from './delivery/spooling_otlp_exporter';
import { statsRecord, type LossTotals } from './stats/stats_record';
import { startMetrics } from './stats/metrics';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { KernelSettings } from './filters/kernel_settings';
import { Folds, type FoldStats } from './folds/folds';
import { ipsetEvents } from './ipset/ipset_message';
import { SetTypes } from './ipset/set_types';
import { eventToLogRecord, type AuditLogRecord, type ContainerInfo, type MappingContext } from './mapping/event_to_logrecord';
import { toReadable } from './mapping/audit_record';
import { ProcessParts } from './mapping/process_part';
import { loadNative } from './native/loader';
import type { NativeModule } from './native/native';
import { Sensor, type KernelCounters } from './native/sensor';
import { buildResource, packageVersion } from './otel/resource';
import { probeObjects } from './probes';
import { InboundMonitor, type InboundStats } from './inbound/inbound_monitor';
import { TcxAttacher } from './inbound/tcx_attacher';
import { fileExporterDirs } from './security';
import { LOCAL_RETRY } from './config/defaults';
import { SyslogExporter, type SyslogStats } from './exporters/syslog/syslog_exporter';

export interface ExporterStats extends DeliveryStats {
  type: string;
  /** OTLP exporters: what the collector acknowledged, and the spool */
  otlp?: OtlpDeliveryStats;
  syslog?: SyslogStats;
}

export interface ReceiverStats {
  batches: number;
  decoded: number;
  malformed: number;
  emitted: number;
  folds: FoldStats;
  processes: ProcessTableStats;
  kernel: KernelCounters;
  /** set when probes.inbound is on */
  inbound?: InboundStats;
  exporters: ExporterStats[];
}

export interface ReceiverOptions {
  /** replaces the exporters built from config (tests, benchmarks) */
  exporters?: LogRecordExporter[];
  onError?: (e: Error) => void;
}

/** An exporter that cannot be built: a file that cannot be opened, a spool in use. */
export class ExporterSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExporterSetupError';
  }
}

/** What a reload could not change while the probes stay attached. */
export interface ReloadResult {
  ignored: string[];
}

const NO_KERNEL: KernelCounters = { lost: {}, filtered: {}, ownerMissing: {}, exePathTruncated: 0, execCommMissed: 0, udpCallMissed: 0, folded: 0, perCpu: [] };
const FOLD_SWEEP_MS = 250;
const FOLD_GRACE_NS = 200_000_000n;

interface Output {
  provider: LoggerProvider;
  logger: Logger;
  processors: DeliveryProcessor[];
  types: string[];
  resource: Resource;
  scope: { name: string; version: string };
  direct: boolean;
}

type Folded = TcpEvent | UdpEvent;

function exporterLabel(config: Config, i: number): string {
  const e = config.exporters[i];
  return `exporter[${i}] ${e.type}${e.type === 'file' ? ` ${e.path}` : e.type === 'syslog' ? ` ${e.endpoint}` : ''}`;
}

export class Receiver {
  private readonly native: NativeModule = loadNative();
  private readonly clock: BootClock;
  private readonly users = new UserNames();
  private readonly processes = new ProcessTable();
  private readonly identities: ProcessIdentities;
  private readonly containers = new Containers();
  private readonly pods: KubernetesPods | undefined;
  private readonly setTypes = new SetTypes();
  private readonly settings = new KernelSettings();
  private readonly folds: Folds<Folded>;
  private readonly stats = { batches: 0, decoded: 0, malformed: 0, emitted: 0 };
  private output: Output;
  private sensor: Sensor | undefined;
  private stopped = false;
  private finalKernel: KernelCounters | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private lastTotals: LossTotals | undefined;
  private metrics: MeterProvider | undefined;
  private inbound: InboundMonitor | undefined;
  private attacher: TcxAttacher | undefined;
  private finalInbound: InboundStats | undefined;
  /** settles once the last batch that had to wait for room has been handled: batches after it wait their turn */
  private backlog: Promise<void> | undefined;
  /** the end of each wait for room: stop() ends them all, and once draining no batch waits, so the ring's tail is queued before the flush */
  private readonly roomWaits = new Set<() => void>();
  private draining = false;

  constructor(
    private config: Config,
    private readonly options: ReceiverOptions = {},
  ) {
    this.output = this.buildOutput(config);
    this.clock = cachedBootClock(() => this.native.bootToRealtimeNs());
    this.identities = new ProcessIdentities(hostBootSeed(), (startNs) => formatRfc3339Ns(toUnixNs(startNs, this.clock)));
    if (config.kubernetes.enabled) this.pods = new KubernetesPods(config.kubernetes.log_dir, config.kubernetes.node_name);
    this.folds = new Folds<Folded>({
      windowNs: (ev) => BigInt(ev.kind.startsWith('udp.') ? this.config.probes.udp.window_ms : this.config.dedup.window_ms) * 1_000_000n,
      graceNs: FOLD_GRACE_NS,
      read: (key) => {
        const value = this.sensor?.lookup('folds', key);
        return value ? decodeFoldValue(value, 0) : undefined;
      },
      emit: (record) => this.emit(record, this.mappingContext()),
    });
  }

  private buildOutput(config: Config): Output {
    const report = (m: string) => this.options.onError?.(new Error(m));
    const exporters = this.options.exporters ?? this.createExporters(config, report);
    const { queue_size, export_batch_size, flush_interval_ms, idle_flush_ms } = config.limits;
    const processors = exporters.map(
      (exporter, i) =>
        new DeliveryProcessor(
          exporter,
          { maxBatch: Math.min(export_batch_size, queue_size), flushIntervalMs: flush_interval_ms, idleFlushMs: idle_flush_ms, highWater: queue_size, label: this.options.exporters ? undefined : exporterLabel(config, i), retry: LOCAL_RETRY },
          report,
        ),
    );
    const resource = buildResource(config.resource.attributes);
    const provider = new LoggerProvider({ resource, processors });
    const types = this.options.exporters ? exporters.map(() => 'custom') : config.exporters.map((e) => e.type);
    const scope = { name: 'bpfaudit', version: packageVersion() };
    return { provider, logger: provider.getLogger(scope.name, scope.version), processors, types, resource, scope, direct: config.limits.record_path === 'direct' };
  }

  /** Builds every exporter or none: what was opened is closed again when a later one fails. */
  private createExporters(config: Config, report: (m: string) => void): LogRecordExporter[] {
    const built: LogRecordExporter[] = [];
    try {
      config.exporters.forEach((e, i) => built.push(createExporter(e, i, report)));
      return built;
    } catch (e) {
      for (const b of built) void b.shutdown();
      throw new ExporterSetupError(`${exporterLabel(config, built.length)}: ${(e as Error).message}`);
    }
  }

  /** Loads and attaches the probes and starts draining. Throws SensorError naming the failing step. */
  start(): void {
    const { limits, probes } = this.config;
    this.sensor = Sensor.open({
      objects: probeObjects(probes, limits),
      ringBufferBytes: limits.ring_buffer_bytes,
      cgroupPath: cgroup2Root(),
      mapValues: this.settings.initial(this.config),
    });
    this.sensor.start(
      (batch) => this.handleBatch(batch),
      (e) => this.options.onError?.(e),
      { maxBatchBytes: limits.batch_bytes, maxInflight: limits.max_inflight_batches, pollMs: limits.poll_ms },
    );
    if (probes.inbound.enabled) this.startInbound(this.sensor);
    this.sweeper = setInterval(() => this.sweepFolds(), FOLD_SWEEP_MS);
    this.statsTimer = setInterval(() => this.emitStats(), limits.stats_interval_ms);
    const otlp = this.config.exporters.find((e) => e.type === 'otlp');
    this.metrics = this.options.exporters ? undefined : startMetrics(otlp?.type === 'otlp' ? otlp : undefined, this.output.resource, limits.stats_interval_ms, () => this.lossTotals());
  }

  private startInbound(sensor: Sensor): void {
    const onError = (e: Error) => this.options.onError?.(e);
    this.attacher = new TcxAttacher(sensor.programFd('bpfaudit_inbound'), this.config.probes.inbound, onError);
    this.inbound = new InboundMonitor({
      sensor,
      attacher: this.attacher,
      config: () => this.config.probes.inbound,
      nowUnixNs: () => toUnixNs(this.native.bootTimeNs(), this.clock),
      emit: (r) => this.emitCounted(r),
      onError,
    });
    this.inbound.start();
  }

  /** Resolves once the inbound program is attached to the interfaces present at start (before a privilege drop). */
  async ready(): Promise<void> {
    await this.attacher?.ready;
  }

  /** The periodic bpfaudit.stats record: every loss counter, in the log stream itself. */
  private emitStats(): void {
    try {
      const totals = this.lossTotals();
      const r = statsRecord(totals, this.lastTotals, this.config.limits.stats_interval_ms, toUnixNs(this.native.bootTimeNs(), this.clock));
      this.lastTotals = totals;
      this.emitRecord(r);
    } catch (e) {
      this.options.onError?.(e as Error);
    }
  }

  private lossTotals(): LossTotals {
    const s = this.statistics();
    return {
      kernelLost: s.kernel.lost,
      kernelFiltered: s.kernel.filtered,
      kernelFolded: s.kernel.folded,
      ownerMissing: s.kernel.ownerMissing,
      malformed: s.malformed,
      emitted: s.emitted,
      foldsEvicted: s.folds.evicted,
      parentUnknown: s.processes.parentUnknown,
      exportFailed: s.exporters.reduce((n, e) => n + e.failed + (e.otlp?.failed ?? 0), 0),
      exporters: s.exporters.map((e) => ({ failed: e.failed + (e.otlp?.failed ?? 0), held: e.held, truncated: e.syslog?.truncated ?? 0 })),
      exportRejected: s.exporters.reduce((n, e) => n + (e.otlp?.rejected ?? 0), 0),
      exported: s.exporters.reduce((n, e) => n + (e.otlp?.exported ?? 0), 0),
      spoolOverflow: s.exporters.reduce((n, e) => n + (e.otlp?.spool.overflowRecords ?? 0), 0),
      spoolBytes: s.exporters.reduce((n, e) => n + (e.otlp?.spool.bytes ?? 0), 0),
      queued: s.exporters.reduce((n, e) => n + e.queued, 0),
    };
  }

  /**
   * Puts a validated config in force without detaching a probe: the ignore
   * rules and fold settings in the kernel, then the exporters and resource.
   * Probe and limit changes need a restart and are reported, not applied.
   * Throws, changing nothing, when the new rules or exporters cannot be built.
   */
  async reload(next: Config): Promise<ReloadResult> {
    const ignored: string[] = [];
    const candidate = structuredClone(next);
    // the inbound thresholds and floor are read at each window's end: they apply without a restart
    const restartOnly = (c: Config) => ({ ...c, probes: { ...c.probes, inbound: { ...c.probes.inbound, alerts: undefined, min_packets: undefined } } });
    for (const section of ['probes', 'limits'] as const) {
      if (JSON.stringify(restartOnly(next)[section]) !== JSON.stringify(restartOnly(this.config)[section])) {
        ignored.push(`${section} (needs a restart)`);
        (candidate as unknown as Record<string, unknown>)[section] = section === 'probes' ? { ...this.config.probes, inbound: { ...this.config.probes.inbound, alerts: next.probes.inbound.alerts, min_packets: next.probes.inbound.min_packets } } : this.config[section];
      }
    }
    const writes = this.settings.next(candidate);
    const output = this.buildOutput(candidate);
    if (this.sensor) for (const w of writes) this.sensor.update(w.map, w.key, w.value);
    this.settings.committed();
    // one synchronous switch between batches: every record goes to exactly one output
    const old = this.output;
    this.output = output;
    this.config = candidate;
    await this.flushBy(old, Date.now() + candidate.limits.shutdown_timeout_ms);
    await old.provider.shutdown();
    return { ignored };
  }

  /** Every file exporter opens its path anew before its next write (SIGUSR1, after a log rotation). */
  reopenFiles(): void {
    for (const p of this.output.processors) if (p.exporter instanceof LineExporter && p.exporter.sink instanceof FileSink) p.exporter.sink.reopen();
  }

  private async flushBy(output: Output, deadline: number): Promise<void> {
    await Promise.all(output.processors.map((p) => p.flushBy(deadline)));
  }

  /** Reads what only root may read later (the binaries of running processes): before a privilege drop. */
  prepareForDrop(): void {
    this.processes.seed();
  }

  /**
   * Directories the exporters keep writing to, to stay writable after a
   * privilege drop: the spools (from their configured base) and the
   * directories of file exporters (checked to hold only their files).
   */
  writableDirs(): string[] {
    const spools = this.config.exporters.flatMap((e) => (e.type === 'otlp' ? [e.spool.dir] : []));
    const files = this.config.exporters.flatMap((e) => (e.type === 'file' ? [e.path] : []));
    return [...new Set(spools), ...fileExporterDirs(files)];
  }

  private sweepFolds(): void {
    try {
      this.folds.sweep(this.native.bootTimeNs());
    } catch (e) {
      this.options.onError?.(e as Error);
    }
  }

  private containerInfo(p: ProcInfo): ContainerInfo | undefined {
    const c = this.containers.describe(p.pid, p.cgroupId, p.cgroupV1Id);
    if (!c) return undefined;
    const podUid = podUidFromCgroupPath(c.path);
    const pod = this.pods?.pod(c.id);
    if (!this.pods || (!pod && !podUid)) return { id: c.id };
    return { id: c.id, k8s: { podUid, ...pod, nodeName: this.pods.nodeName } };
  }

  private mappingContext(): MappingContext {
    // the offset read once per batch, not per record (a Date.now() each; it is re-read at most once a second anyway),
    // and the same for both timestamps, so ObservedTimestamp is never before Timestamp
    const offset = this.clock.offsetNs();
    const clock = { offsetNs: () => offset };
    return {
      clock,
      observedUnixNs: toUnixNs(this.native.bootTimeNs(), clock),
      userName: (uid) => this.users.name(uid),
      executablePath: (pid) => this.processes.path(pid),
      identity: (p) => this.identities.of(p),
      parentProcess: (ppid, startNs) => this.processes.parent(ppid, startNs),
      container: (p) => this.containerInfo(p),
      maxArgs: this.config.probes.exec.max_args,
      ipsetType: (name) => this.setTypes.typeOf(name),
      processParts: new ProcessParts(),
    };
  }

  /** Returns the record's Timestamp. */
  private emit(ev: RecordEvent, ctx: MappingContext): bigint {
    const record = eventToLogRecord(ev, ctx);
    this.emitCounted(record);
    return record.timeUnixNs;
  }

  /** An audit record, counted as emitted (unlike the stats records about them). */
  private emitCounted(r: AuditLogRecord): void {
    this.emitRecord(r);
    this.stats.emitted++;
  }

  private emitRecord(r: AuditLogRecord): void {
    const out = this.output;
    if (out.direct) {
      // the same fields the SDK's LogRecord would carry, without its per-attribute validation
      const record = toReadable(r, out.resource, out.scope);
      for (const p of out.processors) p.push(record);
      return;
    }
    out.logger.emit({
      eventName: r.eventName,
      timestamp: nsToHrTime(r.timeUnixNs),
      observedTimestamp: nsToHrTime(r.observedUnixNs),
      severityNumber: r.severityNumber,
      severityText: r.severityText,
      body: r.body,
      attributes: r.attributes,
    });
  }

  /**
   * Resolves when every exporter has room again: until then the addon stops
   * draining the ring. The addon hands over up to max_inflight_batches before
   * it stops, and each was decoded into the full queues at once: up to
   * 18,607 records queued against a high water of 8,192 after a one-second
   * stall, and up to 73 MiB in the encoder's bodies. Batches that come
   * while one waits are handled after it, in order, from a copy (the addon
   * reuses its buffer for the next batch), so the queues go past their high
   * water by one batch at most.
   */
  handleBatch(batch: Buffer): void | Promise<void> {
    if (!this.backlog) return this.behind(this.decodeAndQueue(batch));
    const copy = Buffer.from(batch);
    return this.behind(this.backlog.then(() => this.decodeAndQueue(copy)));
  }

  /** Makes the next batches wait for `handled`, when there is anything to wait for. */
  private behind(handled: void | Promise<void>): void | Promise<void> {
    if (!handled) return;
    // a batch that failed is reported by the addon's wrapper: the next one goes on regardless
    const settled = handled.then(
      () => undefined,
      () => undefined,
    );
    this.backlog = settled;
    void settled.then(() => {
      if (this.backlog === settled) this.backlog = undefined;
    });
    return handled;
  }

  private decodeAndQueue(batch: Buffer): void | Promise<void> {
    const ctx = this.mappingContext();
    const result = decodeBatch(batch, (ev) => this.handleEvent(ev, ctx));
    this.stats.batches++;
    this.stats.decoded += result.decoded;
    this.stats.malformed += result.malformed;
    const full = this.output.processors.filter((p) => !p.hasRoom());
    if (full.length && !this.draining) return this.roomFor(full);
  }

  /** Resolves when every full processor has room, or when stop() ends the wait. */
  private roomFor(full: DeliveryProcessor[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const end = () => {
        this.roomWaits.delete(end);
        resolve();
      };
      this.roomWaits.add(end);
      Promise.all(full.map((p) => p.waitForRoom())).then(end, (e: unknown) => {
        this.roomWaits.delete(end);
        reject(e);
      });
    });
  }

  private handleEvent(ev: AuditEvent, ctx: MappingContext): void {
    switch (ev.kind) {
      case 'fold_end':
        this.folds.end(ev);
        break;
      case 'ipset.message':
        for (const op of ipsetEvents(ev)) {
          this.emit(op, ctx);
          this.setTypes.learn(op);
        }
        break;
      case 'exec':
        // the parent is named from the table before this exec replaces anything in it
        this.emit(ev, ctx);
        this.processes.exec(ev.proc.pid, ev.proc.startNs, ev.exe, ev.argv);
        break;
      case 'exit':
        this.emit(ev, ctx);
        this.processes.exit(ev.proc.pid);
        this.containers.forget(ev.proc.pid);
        this.identities.forget(ev.proc.pid);
        break;
      default: {
        const time = this.emit(ev, ctx);
        // the first of its window: a summary follows the window when there were repeats
        if ('folding' in ev && ev.folding) this.folds.watch(ev, time);
      }
    }
  }

  private exporterStats(): ExporterStats[] {
    return this.output.processors.map((p, i) => ({
      type: this.output.types[i],
      ...p.stats(),
      ...(p.exporter instanceof SpoolingOtlpExporter ? { otlp: p.exporter.stats() } : {}),
      ...(p.exporter instanceof SyslogExporter ? { syslog: p.exporter.stats() } : {}),
    }));
  }

  statistics(): ReceiverStats {
    return {
      ...this.stats,
      folds: this.folds.stats(),
      processes: this.processes.stats(),
      kernel: this.sensor && !this.stopped ? this.sensor.counters() : (this.finalKernel ?? NO_KERNEL),
      ...(this.inbound ? { inbound: this.finalInbound ?? this.inbound.statistics() } : {}),
      exporters: this.exporterStats(),
    };
  }

  /**
   * Detaches, delivers the ring's tail, closes open fold windows, flushes
   * every exporter, and keeps sending what is spooled until the shutdown
   * timeout; what is still spooled then is sent by the next start.
   */
  async stop(): Promise<ReceiverStats> {
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.statsTimer) clearInterval(this.statsTimer);
    const deadline = Date.now() + this.config.limits.shutdown_timeout_ms;
    if (this.inbound) this.finalInbound = await this.inbound.stop();
    await this.sensor?.stop();
    // batches that wait their turn (the ring's tail among them) are queued now, without room: the flush below drains them
    this.draining = true;
    for (const end of [...this.roomWaits]) end();
    await this.backlog;
    if (this.sensor) {
      this.folds.flush(this.native.bootTimeNs());
      this.finalKernel = this.sensor.counters();
      this.stopped = true;
      this.sensor.close();
    }
    await this.flushBy(this.output, deadline);
    for (const p of this.output.processors) if (p.exporter instanceof SpoolingOtlpExporter) await p.exporter.drain(deadline);
    const stats = this.statistics();
    await this.output.provider.shutdown();
    await this.metrics?.shutdown();
    return stats;
  }
}
