// Shared fixtures for unit tests: a fixed mapping context and a converter
// from our AuditLogRecord to the SDK's ReadableLogRecord shape.
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { formatRfc3339Ns } from '../../receiver/src/enrich/clock';
import { toReadable } from '../../receiver/src/mapping/audit_record';
import type { AuditLogRecord, MappingContext } from '../../receiver/src/mapping/event_to_logrecord';

export const BOOT_OFFSET_NS = 1_700_000_000_000_000_000n;
export const OBSERVED_NS = 1_700_000_100_000_000_000n;

export function testContext(over: Partial<MappingContext> = {}): MappingContext {
  return {
    clock: { offsetNs: () => BOOT_OFFSET_NS },
    observedUnixNs: OBSERVED_NS,
    userName: (uid) => ({ 0: 'root', 1000: 'alice' })[uid],
    executablePath: (pid) => (pid === 4242 ? '/usr/bin/curl' : undefined),
    identity: (p) => ({
      entityId: `id-${p.pid}-${p.startNs}-${p.execId}`,
      parentEntityId: `id-${p.ppid}-${p.parentStartNs}-${p.parentExecId}`,
      creationTime: formatRfc3339Ns(BOOT_OFFSET_NS + p.startNs),
    }),
    parentProcess: (ppid) => (ppid === 4200 ? { exe: '/usr/bin/bash', argv: ['-bash'] } : undefined),
    container: () => undefined,
    maxArgs: 64,
    ipsetType: () => undefined,
    ...over,
  };
}

const RESOURCE = resourceFromAttributes({ 'service.name': 'bpfaudit' });

export function readable(r: AuditLogRecord): ReadableLogRecord {
  return toReadable(r, RESOURCE, { name: 'bpfaudit', version: '0.1.0' });
}

/**
 * A plain copy of a record, as an SDK processor would make one, with some
 * fields changed: our records compute their body, attributes and times on demand, which
 * a spread leaves out.
 */
export function plainCopy(r: ReadableLogRecord, over: Partial<ReadableLogRecord> = {}): ReadableLogRecord {
  return { ...r, body: r.body, attributes: r.attributes, hrTime: r.hrTime, hrTimeObserved: r.hrTimeObserved, ...over };
}
