// The pipeline: sensor batches -> decode -> enrich/map -> OTel logger ->
// exporters. Owns the sensor and the LoggerProvider.
import type { HrTime } from '@opentelemetry/api';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { Logger } from '@opentelemetry/api-logs';
import type { Config } from './config/types';
import { decodeBatch } from './decode/decode';
import type { AuditEvent } from './events';
import { cachedBootClock, nsToHrTime, toUnixNs, type BootClock } from './enrich/clock';
import { Executables } from './enrich/executables';
import { UserNames } from './enrich/users';
import { createExporter } from './exporters/factory';
import { eventToLogRecord, type MappingContext } from './mapping/event_to_logrecord';
import { loadNative } from './native/loader';
import type { NativeModule } from './native/native';
import { Sensor, type KernelCounters } from './native/sensor';
import { buildResource, packageVersion } from './otel/resource';
import { probeObjects } from './probes';

export interface ReceiverStats {
  batches: number;
  decoded: number;
  malformed: number;
  emitted: number;
  kernel: KernelCounters;
}

export interface ReceiverOptions {
  /** replaces the exporters built from config (tests, benchmarks) */
  exporters?: LogRecordExporter[];
  onError?: (e: Error) => void;
}

export class Receiver {
  private readonly provider: LoggerProvider;
  private readonly logger: Logger;
  private readonly clock: BootClock;
  private readonly users = new UserNames();
  private readonly executables = new Executables();
  private readonly stats = { batches: 0, decoded: 0, malformed: 0, emitted: 0 };
  private sensor: Sensor | undefined;
  private readonly native: NativeModule = loadNative();

  constructor(
    private readonly config: Config,
    private readonly options: ReceiverOptions = {},
  ) {
    const exporters = options.exporters ?? config.exporters.map(createExporter);
    const { queue_size, export_batch_size, flush_interval_ms } = config.limits;
    this.provider = new LoggerProvider({
      resource: buildResource(config.resource.attributes),
      processors: exporters.map(
        (exporter) =>
          new BatchLogRecordProcessor({
            exporter,
            maxQueueSize: queue_size,
            maxExportBatchSize: Math.min(export_batch_size, queue_size),
            scheduledDelayMillis: flush_interval_ms,
          }),
      ),
    });
    this.logger = this.provider.getLogger('bpfaudit', packageVersion());
    this.clock = cachedBootClock(() => this.native.bootToRealtimeNs());
  }

  /** Loads and attaches the probes and starts draining. Throws SensorError naming the failing step. */
  start(): void {
    const { limits, probes } = this.config;
    this.sensor = Sensor.open({ objects: probeObjects(probes), ringBufferBytes: limits.ring_buffer_bytes });
    this.sensor.start(
      (batch) => this.handleBatch(batch),
      (e) => this.options.onError?.(e),
      { maxBatchBytes: limits.batch_bytes, maxInflight: limits.max_inflight_batches, pollMs: limits.poll_ms },
    );
  }

  private mappingContext(): MappingContext {
    // one clock for both timestamps, so ObservedTimestamp is never before Timestamp
    const observedUnixNs = toUnixNs(this.native.bootTimeNs(), this.clock);
    return {
      clock: this.clock,
      observedUnixNs,
      userName: (uid) => this.users.name(uid),
      executablePath: (pid) => this.executables.path(pid),
      maxArgs: this.config.probes.exec.max_args,
    };
  }

  handleBatch(batch: Buffer): void {
    const events: AuditEvent[] = [];
    const result = decodeBatch(batch, events);
    this.stats.batches++;
    this.stats.decoded += result.decoded;
    this.stats.malformed += result.malformed;
    const ctx = this.mappingContext();
    const observed: HrTime = nsToHrTime(ctx.observedUnixNs);
    for (const ev of events) {
      if (ev.kind === 'exec') this.executables.learn(ev.proc.pid, ev.exe);
      const r = eventToLogRecord(ev, ctx);
      if (ev.kind === 'exit') this.executables.forget(ev.proc.pid);
      this.logger.emit({
        eventName: r.eventName,
        timestamp: nsToHrTime(r.timeUnixNs),
        observedTimestamp: observed,
        severityNumber: r.severityNumber,
        severityText: r.severityText,
        body: r.body,
        attributes: r.attributes,
      });
      this.stats.emitted++;
    }
  }

  statistics(): ReceiverStats {
    const kernel = this.sensor ? this.sensor.counters() : { lost: {}, ownerMissing: 0, exePathTruncated: 0, perCpu: [] };
    return { ...this.stats, kernel };
  }

  /** Detaches, delivers the ring's tail, flushes every exporter. */
  async stop(): Promise<ReceiverStats> {
    let kernel: KernelCounters | undefined;
    if (this.sensor) {
      await this.sensor.stop();
      kernel = this.sensor.counters();
      this.sensor.close();
    }
    await this.provider.forceFlush();
    await this.provider.shutdown();
    return { ...this.stats, kernel: kernel ?? { lost: {}, ownerMissing: 0, exePathTruncated: 0, perCpu: [] } };
  }
}
