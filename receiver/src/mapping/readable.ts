// An AuditLogRecord as the SDK's ReadableLogRecord: what exporters take, on
// the direct record path (and in tests), without going through a Logger.
import type { Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { nsToHrTime } from '../enrich/clock';
import type { AuditLogRecord } from './event_to_logrecord';

export function toReadable(r: AuditLogRecord, resource: Resource, scope: { name: string; version?: string }): ReadableLogRecord {
  return {
    hrTime: nsToHrTime(r.timeUnixNs),
    hrTimeObserved: nsToHrTime(r.observedUnixNs),
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: r.body,
    eventName: r.eventName,
    attributes: r.attributes,
    droppedAttributesCount: 0,
    resource,
    instrumentationScope: scope,
  };
}
