// The pipeline: sensor batches -> decode -> enrich/map -> OTel logger ->
// exporters. Owns the sensor, the UDP flow windows and the LoggerProvider.
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { Logger } from '@opentelemetry/api-logs';
import type { Config } from './config/types';
import { decodeBatch, decodeUdpFlow } from './decode/decode';
import type { AuditEvent } from './events';
import { cachedBootClock, nsToHrTime, toUnixNs, type BootClock } from './enrich/clock';
import { Containers } from './enrich/containers';
import { Executables } from './enrich/executables';
import { UserNames } from './enrich/users';
import { createExporter } from './exporters/factory';
import { UdpFlows, type UdpFlowStats } from './flows/udp_flows';
import { eventToLogRecord, type MappingContext } from './mapping/event_to_logrecord';
import { loadNative } from './native/loader';
import type { NativeModule } from './native/native';
import { Sensor, type KernelCounters } from './native/sensor';
import { buildResource, packageVersion } from './otel/resource';
import { ipsetEvents } from './ipset/ipset_message';
import { SetTypes } from './ipset/set_types';
import { probeObjects } from './probes';

export interface ReceiverStats {
  batches: number;
  decoded: number;
  malformed: number;
  emitted: number;
  udpFlows: UdpFlowStats;
  kernel: KernelCounters;
}

export interface ReceiverOptions {
  /** replaces the exporters built from config (tests, benchmarks) */
  exporters?: LogRecordExporter[];
  onError?: (e: Error) => void;
}

const NO_KERNEL: KernelCounters = { lost: {}, ownerMissing: 0, exePathTruncated: 0, mmsgPartial: 0, perCpu: [] };
const FLOW_SWEEP_MS = 250;
const FLOW_GRACE_NS = 200_000_000n;

export class Receiver {
  private readonly provider: LoggerProvider;
  private readonly logger: Logger;
  private readonly native: NativeModule = loadNative();
  private readonly clock: BootClock;
  private readonly users = new UserNames();
  private readonly executables = new Executables();
  private readonly containers = new Containers();
  private readonly flows: UdpFlows;
  private readonly setTypes = new SetTypes();
  private readonly stats = { batches: 0, decoded: 0, malformed: 0, emitted: 0 };
  private sensor: Sensor | undefined;
  private sweeper: NodeJS.Timeout | undefined;

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
    this.flows = new UdpFlows({
      windowNs: BigInt(config.probes.udp.window_ms) * 1_000_000n,
      graceNs: FLOW_GRACE_NS,
      read: (key) => {
        const value = this.sensor?.lookup('udp_flows', key);
        return value ? decodeUdpFlow(value, 0) : undefined;
      },
      emit: (record) => this.emit(record, this.mappingContext()),
    });
  }

  /** Loads and attaches the probes and starts draining. Throws SensorError naming the failing step. */
  start(): void {
    const { limits, probes } = this.config;
    this.sensor = Sensor.open({ objects: probeObjects(probes, limits), ringBufferBytes: limits.ring_buffer_bytes });
    this.sensor.start(
      (batch) => this.handleBatch(batch),
      (e) => this.options.onError?.(e),
      { maxBatchBytes: limits.batch_bytes, maxInflight: limits.max_inflight_batches, pollMs: limits.poll_ms },
    );
    this.sweeper = setInterval(() => this.sweepFlows(), FLOW_SWEEP_MS);
  }

  private sweepFlows(): void {
    try {
      this.flows.sweep(this.native.bootTimeNs());
    } catch (e) {
      this.options.onError?.(e as Error);
    }
  }

  private mappingContext(): MappingContext {
    return {
      clock: this.clock,
      // one clock for both timestamps, so ObservedTimestamp is never before Timestamp
      observedUnixNs: toUnixNs(this.native.bootTimeNs(), this.clock),
      userName: (uid) => this.users.name(uid),
      executablePath: (pid) => this.executables.path(pid),
      containerId: (p) => this.containers.containerOf(p.pid, p.cgroupId),
      maxArgs: this.config.probes.exec.max_args,
      udpWindowMs: this.config.probes.udp.window_ms,
      ipsetType: (name) => this.setTypes.typeOf(name),
    };
  }

  private emit(ev: AuditEvent, ctx: MappingContext): void {
    const r = eventToLogRecord(ev, ctx);
    this.logger.emit({
      eventName: r.eventName,
      timestamp: nsToHrTime(r.timeUnixNs),
      observedTimestamp: nsToHrTime(r.observedUnixNs),
      severityNumber: r.severityNumber,
      severityText: r.severityText,
      body: r.body,
      attributes: r.attributes,
    });
    this.stats.emitted++;
  }

  handleBatch(batch: Buffer): void {
    const events: AuditEvent[] = [];
    const result = decodeBatch(batch, events);
    this.stats.batches++;
    this.stats.decoded += result.decoded;
    this.stats.malformed += result.malformed;
    const ctx = this.mappingContext();
    for (const ev of events) {
      switch (ev.kind) {
        case 'udp.send':
        case 'udp.receive':
        case 'udp.flow_end':
          this.flows.onEvent(ev);
          break;
        case 'ipset.message':
          for (const op of ipsetEvents(ev)) {
            this.emit(op, ctx);
            this.setTypes.learn(op);
          }
          break;
        case 'exec':
          this.executables.learn(ev.proc.pid, ev.exe);
          this.emit(ev, ctx);
          break;
        case 'exit':
          this.emit(ev, ctx);
          this.executables.forget(ev.proc.pid);
          this.containers.forget(ev.proc.pid);
          break;
        default:
          this.emit(ev, ctx);
      }
    }
  }

  statistics(): ReceiverStats {
    return { ...this.stats, udpFlows: this.flows.stats(), kernel: this.sensor ? this.sensor.counters() : NO_KERNEL };
  }

  /** Detaches, delivers the ring's tail, closes open flow windows, flushes every exporter. */
  async stop(): Promise<ReceiverStats> {
    if (this.sweeper) clearInterval(this.sweeper);
    let kernel = NO_KERNEL;
    if (this.sensor) {
      await this.sensor.stop();
      this.flows.flush();
      kernel = this.sensor.counters();
      this.sensor.close();
    }
    await this.provider.forceFlush();
    await this.provider.shutdown();
    return { ...this.stats, udpFlows: this.flows.stats(), kernel };
  }
}
