// An AuditLogRecord as the SDK's ReadableLogRecord: what exporters take, on
// the direct record path (and in tests), without going through a Logger.
import type { HrTime } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { nsToHrTime } from '../enrich/clock';
import type { AuditLogRecord, Attributes } from './event_to_logrecord';

class AuditReadable implements ReadableLogRecord {
  readonly hrTime: HrTime;
  readonly hrTimeObserved: HrTime;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: string;
  readonly eventName: string;
  readonly droppedAttributesCount = 0;
  // private, so a spread copy of the record (which may change its attributes) does not claim the source's part
  readonly #source: AuditLogRecord;

  constructor(
    r: AuditLogRecord,
    readonly resource: Resource,
    readonly instrumentationScope: { name: string; version?: string },
    observed: HrTime,
  ) {
    this.#source = r;
    this.hrTime = nsToHrTime(r.timeUnixNs);
    this.hrTimeObserved = observed;
    this.severityNumber = r.severityNumber;
    this.severityText = r.severityText;
    this.body = r.body;
    this.eventName = r.eventName;
  }

  get attributes(): Attributes {
    return this.#source.attributes;
  }

  static sourceOf(r: ReadableLogRecord): AuditLogRecord | undefined {
    return #source in r ? (r as AuditReadable).#source : undefined;
  }
}

/** The record a readable was made from, when toReadable made it: for encoders that reuse its shared process part. */
export const auditSourceOf = AuditReadable.sourceOf;

// the records of one batch share their observed time: converted once, frozen as it is shared
let lastObservedNs: bigint | undefined;
let lastObserved: HrTime = [0, 0];

export function toReadable(r: AuditLogRecord, resource: Resource, scope: { name: string; version?: string }): ReadableLogRecord {
  if (r.observedUnixNs !== lastObservedNs) {
    lastObservedNs = r.observedUnixNs;
    lastObserved = Object.freeze(nsToHrTime(r.observedUnixNs)) as HrTime;
  }
  return new AuditReadable(r, resource, scope, lastObserved);
}
