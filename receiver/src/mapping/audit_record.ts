// The record of one event as every exporter takes it: our AuditLogRecord
// and, once bound to an output's resource and scope, the SDK's
// ReadableLogRecord itself on the direct record path. One object per
// record: a wrapper per record and its eagerly converted timestamps were a
// ninth of what the pipeline allocated (~250 of ~2,800 bytes a record).
import type { HrTime } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { nsToHrTime } from '../enrich/clock';
import type { Attributes, AuditLogRecord } from './event_to_logrecord';
import type { LineBytes } from './line_bytes';
import type { ProcessPart } from './process_part';

type Scope = { name: string; version?: string };

// the records of one batch share their observed time: converted once, frozen as it is shared
let lastObservedNs: bigint | undefined;
let lastObserved: HrTime = [0, 0];

function observedHrTime(ns: bigint): HrTime {
  if (ns !== lastObservedNs) {
    lastObservedNs = ns;
    lastObserved = Object.freeze(nsToHrTime(ns)) as HrTime;
  }
  return lastObserved;
}

const UNBOUND = {} as Resource;
const NO_SCOPE: Scope = Object.freeze({ name: '' });

export class AuditRecord implements AuditLogRecord, ReadableLogRecord {
  /** set by toReadable: the output the record goes to */
  resource: Resource = UNBOUND;
  instrumentationScope: Scope = NO_SCOPE;
  /** the body as UTF-8: chunk[bodyStart, bodyEnd), for the OTLP encoder to copy; none when it was given as text */
  readonly bodyChunk: Buffer | undefined;
  readonly bodyStart: number = 0;
  readonly bodyEnd: number = 0;
  private text: string | undefined;
  private merged: Attributes | undefined;
  private time: HrTime | undefined;

  constructor(
    readonly eventName: string,
    readonly timeUnixNs: bigint,
    readonly observedUnixNs: bigint,
    readonly severityNumber: number,
    readonly severityText: string,
    /** the text, or the writer holding it as its current line */
    body: string | LineBytes,
    /** the process's attributes, shared by its records of one batch, which come first */
    readonly processPart: ProcessPart | undefined,
    /** the record's own attributes, never a key of the part */
    readonly ownAttributes: Attributes,
  ) {
    if (typeof body === 'string') {
      this.text = body;
      this.bodyChunk = undefined;
    } else {
      this.bodyChunk = body.chunk;
      this.bodyStart = body.start;
      this.bodyEnd = body.pos;
    }
  }

  /** Decoded when an exporter asks for the text. */
  get body(): string {
    return (this.text ??= this.bodyChunk!.toString('utf8', this.bodyStart, this.bodyEnd));
  }

  /** on the prototype, not a field of every record: none is ever dropped */
  get droppedAttributesCount(): number {
    return 0;
  }

  /** The full attribute set, built only when an exporter asks for it. */
  get attributes(): Attributes {
    return (this.merged ??= this.processPart ? { ...this.processPart.attributes, ...this.ownAttributes } : this.ownAttributes);
  }

  /** Converted when an exporter asks: the OTLP encoder writes timeUnixNs as it is. */
  get hrTime(): HrTime {
    return (this.time ??= nsToHrTime(this.timeUnixNs));
  }

  get hrTimeObserved(): HrTime {
    return observedHrTime(this.observedUnixNs);
  }
}

/** A record without a process part (stats, inbound summaries): its attributes are all its own. */
function plainRecord(r: Omit<AuditLogRecord, 'processPart' | 'ownAttributes'>): AuditRecord {
  return new AuditRecord(r.eventName, r.timeUnixNs, r.observedUnixNs, r.severityNumber, r.severityText, r.body, undefined, r.attributes);
}

/**
 * The record as an output's exporters read it: bound to the output's
 * resource and scope. A record goes to one output (a reload switches
 * between batches), so it is bound in place.
 */
export function toReadable(r: AuditLogRecord, resource: Resource, scope: Scope): ReadableLogRecord {
  const record = r instanceof AuditRecord ? r : plainRecord(r);
  record.resource = resource;
  record.instrumentationScope = scope;
  return record;
}

/** The record itself when it is one of ours (not a copy of one): for encoders that reuse its shared process part and raw times. */
export function auditSourceOf(r: ReadableLogRecord): AuditRecord | undefined {
  return r instanceof AuditRecord ? r : undefined;
}
