// The three line formats of the stdout and file exporters; the syslog
// exporter uses the same body line and JSON object.
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { JsonLogsSerializer } from '@opentelemetry/otlp-transformer';
import { formatRfc3339Ns, hrTimeToNs } from '../enrich/clock';
import { escapeControls } from '../mapping/escape';
import type { OutputFormat } from '../config/types';

/** Turns a batch of records into complete lines, each ending in "\n". */
export type LineFormatter = (records: ReadableLogRecord[]) => string;

/**
 * The body as one line of text. Bodies from the mapping are escaped already;
 * a control character that reached a body some other way is escaped here.
 */
export function bodyLine(r: ReadableLogRecord): string {
  return escapedBody(r.body);
}

function escapedBody(body: unknown): string {
  return escapeControls(typeof body === 'string' ? body : JSON.stringify(body ?? ''));
}

/** `<timestamp> <body>` */
export function textLine(r: ReadableLogRecord): string {
  return textLineOf(formatRfc3339Ns(hrTimeToNs(r.hrTime)), r.body);
}

/** The text line of a record read back from a file (`bpfaudit search`). */
export function textLineOf(timestamp: string, body: unknown): string {
  return `${timestamp} ${escapedBody(body)}\n`;
}

/** A record as the jsonl format writes it (and `bpfaudit search` reads it). */
export interface RecordJson {
  timestamp: string;
  observedTimestamp: string;
  eventName: string | undefined;
  severityNumber: number | undefined;
  severityText: string | undefined;
  body: unknown;
  attributes: Record<string, unknown>;
}

/** One JSON object, no newline; JSON.stringify escapes every control character, and U+2028/2029 are escaped too. */
export function jsonText(o: RecordJson): string {
  return JSON.stringify(o).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
}

export function jsonObject(r: ReadableLogRecord): string {
  return jsonText({
    timestamp: formatRfc3339Ns(hrTimeToNs(r.hrTime)),
    observedTimestamp: formatRfc3339Ns(hrTimeToNs(r.hrTimeObserved)),
    eventName: r.eventName,
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: r.body,
    attributes: r.attributes,
  });
}

export function jsonlLine(r: ReadableLogRecord): string {
  return jsonObject(r) + '\n';
}

const decoder = new TextDecoder();

/** One OTLP/JSON ExportLogsServiceRequest per batch, as the collector's file exporter writes. */
function otlpJsonLines(records: ReadableLogRecord[]): string {
  const bytes = JsonLogsSerializer.serializeRequest(records);
  return bytes ? decoder.decode(bytes) + '\n' : '';
}

export function formatter(format: OutputFormat): LineFormatter {
  switch (format) {
    case 'text':
      return (records) => records.map(textLine).join('');
    case 'jsonl':
      return (records) => records.map(jsonlLine).join('');
    case 'otlp-json':
      return otlpJsonLines;
  }
}
