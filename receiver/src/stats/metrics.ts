// The loss counters as OTel metrics, exported over OTLP/HTTP (protobuf) to
// the first otlp exporter's collector, at the stats interval. Cumulative
// counters: an export that fails is made good by the next one.
import { ExportResultCode } from '@opentelemetry/core';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import type { Resource } from '@opentelemetry/resources';
import type { OtlpExporterConfig } from '../config/types';
import { OtlpClient } from '../delivery/otlp_client';
import { otlpClientOptions } from '../exporters/otlp_settings';
import type { LossTotals } from './stats_record';

export function metricsUrl(logsUrl: string): string {
  return logsUrl.endsWith('/v1/logs') ? `${logsUrl.slice(0, -'/v1/logs'.length)}/v1/metrics` : logsUrl.replace(/\/?$/, '/v1/metrics');
}

function otlpMetricExporter(config: OtlpExporterConfig): PushMetricExporter {
  const options = otlpClientOptions(config);
  const client = new OtlpClient({ ...options, url: metricsUrl(options.url) });
  return {
    export(metrics, done) {
      const payload = ProtobufMetricsSerializer.serializeRequest(metrics);
      if (!payload) return done({ code: ExportResultCode.FAILED, error: new Error('the metrics serializer produced nothing') });
      client.send(payload, 'protobuf').then((r) =>
        done(r.kind === 'ok' ? { code: ExportResultCode.SUCCESS } : { code: ExportResultCode.FAILED, error: new Error(r.reason) }),
      );
    },
    async forceFlush() {},
    async shutdown() {
      client.close();
    },
  };
}

/** Starts the metrics; undefined when no otlp exporter is configured. */
export function startMetrics(exporter: OtlpExporterConfig | undefined, resource: Resource, intervalMs: number, totals: () => LossTotals): MeterProvider | undefined {
  if (!exporter) return undefined;
  const provider = new MeterProvider({
    resource,
    readers: [new PeriodicExportingMetricReader({ exporter: otlpMetricExporter(exporter), exportIntervalMillis: intervalMs, exportTimeoutMillis: Math.min(intervalMs, 30_000) })],
  });
  const meter = provider.getMeter('bpfaudit');
  const byKind = (name: string, description: string, pick: (t: LossTotals) => Record<string, number>) =>
    meter.createObservableCounter(name, { description }).addCallback((o) => {
      for (const [kind, n] of Object.entries(pick(totals()))) o.observe(n, { 'bpfaudit.event.kind': kind });
    });
  const counter = (name: string, description: string, pick: (t: LossTotals) => number) =>
    meter.createObservableCounter(name, { description }).addCallback((o) => o.observe(pick(totals())));
  byKind('bpfaudit.kernel.lost', 'events lost in the kernel (ring buffer full), by kind', (t) => t.kernelLost);
  byKind('bpfaudit.kernel.filtered', 'events dropped by ignore rules in the kernel, by kind', (t) => t.kernelFiltered);
  counter('bpfaudit.kernel.folded', 'occurrences folded into a record by the kernel', (t) => t.kernelFolded);
  counter('bpfaudit.records.emitted', 'records made', (t) => t.emitted);
  counter('bpfaudit.decode.malformed', 'records from the kernel that could not be decoded', (t) => t.malformed);
  counter('bpfaudit.export.exported', 'records the collector acknowledged', (t) => t.exported);
  counter('bpfaudit.export.failed', 'records an exporter could not deliver', (t) => t.exportFailed);
  counter('bpfaudit.export.rejected', 'records the collector rejected (partial success)', (t) => t.exportRejected);
  counter('bpfaudit.spool.overflow', 'records discarded because the spool was full', (t) => t.spoolOverflow);
  meter.createObservableGauge('bpfaudit.spool.bytes', { description: 'bytes waiting in the spool', unit: 'By' }).addCallback((o) => o.observe(totals().spoolBytes));
  return provider;
}
