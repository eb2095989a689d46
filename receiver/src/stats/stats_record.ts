// The bpfaudit.stats record: every loss counter of the sensor, in the same
// stream as the audit records, so a SIEM sees gaps where they happen.
// WARN when anything was lost since the previous stats record.
import { SEVERITY_INFO, SEVERITY_WARN, type AuditLogRecord, type Attributes } from '../mapping/event_to_logrecord';

export interface LossTotals {
  kernelLost: Record<string, number>;
  kernelFiltered: Record<string, number>;
  kernelFolded: number;
  ownerMissing: Record<string, number>;
  malformed: number;
  emitted: number;
  foldsEvicted: number;
  /** exec records whose parent process was not known */
  parentUnknown: number;
  exportFailed: number;
  /** per exporter, in config order: records given up, records held by a failing write, syslog messages cut to size */
  exporters: { failed: number; held: number; truncated: number }[];
  exportRejected: number;
  exported: number;
  spoolOverflow: number;
  spoolBytes: number;
  queued: number;
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/** Losses are these: what never became a record, or a record that did not reach its destination. */
export function lossCount(t: LossTotals): number {
  return sum(t.kernelLost) + t.malformed + t.exportFailed + t.exportRejected + t.spoolOverflow;
}

export function statsRecord(now: LossTotals, previous: LossTotals | undefined, intervalMs: number, timeUnixNs: bigint): AuditLogRecord {
  const a: Attributes = {
    'bpfaudit.stats.interval_ms': intervalMs,
    'bpfaudit.kernel.lost': sum(now.kernelLost),
    'bpfaudit.kernel.filtered': sum(now.kernelFiltered),
    'bpfaudit.kernel.folded': now.kernelFolded,
    'bpfaudit.kernel.owner_missing': sum(now.ownerMissing),
    'bpfaudit.decode.malformed': now.malformed,
    'bpfaudit.records.emitted': now.emitted,
    'bpfaudit.folds.evicted': now.foldsEvicted,
    'bpfaudit.process.parent_unknown': now.parentUnknown,
    'bpfaudit.export.failed': now.exportFailed,
    'bpfaudit.export.rejected': now.exportRejected,
    'bpfaudit.export.exported': now.exported,
    'bpfaudit.spool.overflow': now.spoolOverflow,
    'bpfaudit.spool.bytes': now.spoolBytes,
    'bpfaudit.queue.length': now.queued,
  };
  for (const [kind, n] of Object.entries(now.kernelLost)) if (n) a[`bpfaudit.kernel.lost.${kind}`] = n;
  for (const [kind, n] of Object.entries(now.ownerMissing)) if (n) a[`bpfaudit.kernel.owner_missing.${kind}`] = n;
  now.exporters.forEach((e, i) => {
    if (e.failed) a[`bpfaudit.exporter.${i}.failed`] = e.failed;
    if (e.held) a[`bpfaudit.exporter.${i}.held`] = e.held;
    if (e.truncated) a[`bpfaudit.exporter.${i}.truncated`] = e.truncated;
  });
  const failing = now.exporters.flatMap((e, i) => (e.failed || e.held ? [`exporter[${i}] failed=${e.failed} held=${e.held}`] : []));
  const lostNow = lossCount(now) - (previous ? lossCount(previous) : 0);
  const severity = lostNow > 0 ? SEVERITY_WARN : SEVERITY_INFO;
  return {
    eventName: 'bpfaudit.stats',
    timeUnixNs,
    observedUnixNs: timeUnixNs,
    severityNumber: severity.number,
    severityText: severity.text,
    body: `bpfaudit stats: lost=${sum(now.kernelLost)} filtered=${sum(now.kernelFiltered)} folded=${now.kernelFolded} emitted=${now.emitted} exported=${now.exported} export_failed=${now.exportFailed} rejected=${now.exportRejected} spool_overflow=${now.spoolOverflow} spooled_bytes=${now.spoolBytes}${failing.length ? ` (${failing.join(', ')})` : ''}${lostNow > 0 ? ` (+${lostNow} lost since the last report)` : ''}`,
    attributes: a,
  };
}
