// Shared fixtures for unit tests: a fixed mapping context and a converter
// from our AuditLogRecord to the SDK's ReadableLogRecord shape.
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { nsToHrTime } from '../../receiver/src/enrich/clock';
import type { AuditLogRecord, MappingContext } from '../../receiver/src/mapping/event_to_logrecord';

export const BOOT_OFFSET_NS = 1_700_000_000_000_000_000n;
export const OBSERVED_NS = 1_700_000_100_000_000_000n;

export function testContext(over: Partial<MappingContext> = {}): MappingContext {
  return {
    clock: { offsetNs: () => BOOT_OFFSET_NS },
    observedUnixNs: OBSERVED_NS,
    userName: (uid) => ({ 0: 'root', 1000: 'alice' })[uid],
    executablePath: (pid) => (pid === 4242 ? '/usr/bin/curl' : undefined),
    container: () => undefined,
    maxArgs: 64,
    udpWindowMs: 10_000,
    foldWindowMs: 10_000,
    ipsetType: () => undefined,
    ...over,
  };
}

export function readable(r: AuditLogRecord): ReadableLogRecord {
  return {
    hrTime: nsToHrTime(r.timeUnixNs),
    hrTimeObserved: nsToHrTime(r.observedUnixNs),
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: r.body,
    eventName: r.eventName,
    attributes: r.attributes,
    droppedAttributesCount: 0,
    resource: resourceFromAttributes({ 'service.name': 'bpfaudit' }),
    instrumentationScope: { name: 'bpfaudit', version: '0.1.0' },
  };
}
