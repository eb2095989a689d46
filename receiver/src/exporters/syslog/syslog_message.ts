// A log record as one syslog message: RFC 5424 (or RFC 3164 for old relays),
// the attributes as structured data or the record as a JSON object. Pure:
// the host name, process id and sequence number are passed in.
//
// Values are escaped twice on purpose: first as the text format escapes
// process-supplied text (every control character and the backslash), so no
// argv can end a message or a line in any receiver's file; then per RFC 5424
// section 6.3.3 (backslash, quote, closing bracket), so no argv can end a
// parameter or an element.
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { hrTimeToNs, formatRfc3339Ns } from '../../enrich/clock';
import { escapeText } from '../../mapping/escape';
import { bodyLine, jsonObject } from '../formats';

export const FACILITIES = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  ntp: 12, security: 13, console: 14, 'solaris-cron': 15,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
} as const;

export type Facility = keyof typeof FACILITIES;

export interface SyslogMessageOptions {
  format: 'rfc5424' | 'rfc3164';
  /** structured: the body as MSG and the attributes as SD-PARAMs; json: the record's JSON object as MSG */
  message: 'structured' | 'json';
  facility: Facility;
  /** the SD-ID holding the attributes (name@private-enterprise-number) */
  sdId: string;
  hostname: string;
  procId: number;
  /** whole message, bytes; a longer one is cut and flagged */
  maxBytes: number;
}

export interface SyslogMessage {
  bytes: Buffer;
  /** the message's length before it was cut to maxBytes; undefined when it fit */
  truncatedFrom?: number;
}

/** OpenTelemetry severity number (1-24) -> syslog severity (0-7). */
export function syslogSeverity(severityNumber: number | undefined): number {
  const n = severityNumber ?? 0;
  if (n >= 21) return 2; // FATAL: critical
  if (n >= 17) return 3; // ERROR: error
  if (n >= 13) return 4; // WARN: warning
  if (n >= 9 || n === 0) return 6; // INFO (and unset): informational
  return 7; // TRACE, DEBUG
}

/** printable US-ASCII without what ends a token, cut to the field's RFC 5424 length */
function token(s: string, max: number, alsoBad = ''): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += c > 32 && c < 127 && !alsoBad.includes(ch) ? ch : '_';
    if (out.length === max) break;
  }
  return out || '-';
}

/**
 * SD-PARAM name for an attribute key (and a list element's ".N"): the element
 * is bpfaudit's own, so the key's "bpfaudit." prefix is left out; a name is
 * at most 32 characters.
 */
export function paramName(key: string, suffix = ''): string {
  return token(key.startsWith('bpfaudit.') ? key.slice(9) : key, 32 - suffix.length, '=]"') + suffix;
}

export function paramValue(v: string): string {
  return escapeText(v).replace(/[\\"\]]/g, (c) => '\\' + c);
}

function params(attributes: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key in attributes) {
    const v = attributes[key];
    if (v === undefined || v === null) continue;
    // a list is one parameter per element, numbered from 0: receivers (rsyslog's mmpstrucdata,
    // syslog-ng) keep only one value of a repeated name, though RFC 5424 allows repeats
    if (Array.isArray(v)) v.forEach((item, i) => out.push(` ${paramName(key, `.${i}`)}="${paramValue(String(item))}"`));
    else out.push(` ${paramName(key)}="${paramValue(String(v))}"`);
  }
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** RFC 5424 TIMESTAMP: UTC, microseconds (the most TIME-SECFRAC allows). */
export function timestamp5424(ns: bigint): string {
  return formatRfc3339Ns(ns).slice(0, 26) + 'Z';
}

/** RFC 3164 TIMESTAMP: local time, no year, day padded with a space. */
export function timestamp3164(ns: bigint): string {
  const d = new Date(Number(ns / 1_000_000n));
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** The longest prefix of b of at most n bytes that does not split a UTF-8 character. */
function utf8Prefix(b: Buffer, n: number): Buffer {
  if (n >= b.length) return b;
  let end = Math.max(0, n);
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}

/**
 * One message. `sequenceId` goes into RFC 5424's registered `meta` element,
 * so a receiver can see gaps and drop the copies a TCP reconnect sends again.
 */
export function syslogMessage(r: ReadableLogRecord, sequenceId: number, o: SyslogMessageOptions): SyslogMessage {
  const pri = FACILITIES[o.facility] * 8 + syslogSeverity(r.severityNumber);
  const ns = hrTimeToNs(r.hrTime);
  const msgId = token(r.eventName ?? '', 32);
  const head =
    o.format === 'rfc5424'
      ? `<${pri}>1 ${timestamp5424(ns)} ${token(o.hostname, 255)} bpfaudit ${o.procId} ${msgId} `
      : `<${pri}>${timestamp3164(ns)} ${token(o.hostname, 255)} bpfaudit[${o.procId}]: ${msgId} `;
  const meta = `[meta sequenceId="${sequenceId}"]`;
  const attrs = o.message === 'structured' ? params(r.attributes as Record<string, unknown>) : [];
  const msg = Buffer.from(o.message === 'structured' ? bodyLine(r) : jsonObject(r));
  const element = (ps: string[]) => (ps.length ? `[${o.sdId}${ps.join('')}]` : '');
  const whole = Buffer.from(head + meta + element(attrs) + ' ');
  if (whole.length + msg.length <= o.maxBytes) return { bytes: Buffer.concat([whole, msg]) };

  // too long: the flag first (so no cut can lose it), then the MSG cut; if even the
  // header and parameters do not fit, parameters are left out from the last on
  const truncatedFrom = whole.length + msg.length;
  const flag = ` truncated_from="${truncatedFrom}"`;
  const kept = attrs.slice();
  let fixed = Buffer.from(head + meta + element([flag, ...kept]) + ' ');
  while (fixed.length > o.maxBytes && kept.length) {
    kept.pop();
    fixed = Buffer.from(head + meta + element([flag, ...kept]) + ' ');
  }
  const bytes = fixed.length >= o.maxBytes ? utf8Prefix(fixed, o.maxBytes) : Buffer.concat([fixed, utf8Prefix(msg, o.maxBytes - fixed.length)]);
  return { bytes, truncatedFrom };
}
