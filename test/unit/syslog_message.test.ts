// A record as a syslog message: RFC 5424 and RFC 3164 layouts, PRI,
// microsecond timestamps, structured-data escaping, JSON messages, and
// cutting to a size limit without breaking the structured data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonObject } from '../../receiver/src/exporters/formats';
import { paramName, paramValue, syslogMessage, syslogSeverity, type SyslogMessageOptions } from '../../receiver/src/exporters/syslog/syslog_message';
import { parseEndpoint } from '../../receiver/src/exporters/syslog/syslog_transport';
import { octetCounted } from '../../receiver/src/exporters/syslog/stream_transport';
import type { AuditLogRecord } from '../../receiver/src/mapping/event_to_logrecord';
import { readable } from '../helpers/records';

const OPTIONS: SyslogMessageOptions = { format: 'rfc5424', message: 'structured', facility: 'authpriv', sdId: 'bpfaudit@32473', hostname: 'web-1', procId: 42, maxBytes: 8192 };

// 2026-11-21T12:00:00.123456789Z
const T = 1_795_262_400_123_456_789n;

function record(over: Partial<AuditLogRecord> = {}): AuditLogRecord {
  return {
    eventName: 'process.exec',
    timeUnixNs: T,
    observedUnixNs: T + 1000n,
    severityNumber: 9,
    severityText: 'INFO',
    body: 'exec bash[7] /usr/bin/id -u (uid=1000 euid=1000 ppid=6)',
    attributes: { 'process.pid': 7, 'process.command_args': ['/usr/bin/id', '-u'], 'bpfaudit.truncated': true, 'user.name': 'alice' },
    ...over,
  };
}

const text = (r: AuditLogRecord, o: Partial<SyslogMessageOptions> = {}, seq = 1) => syslogMessage(readable(r), seq, { ...OPTIONS, ...o }).bytes.toString();

/** Values of our element, read back by RFC 5424's rules (the way a receiver does). */
function sdParams(message: string, sdId = 'bpfaudit@32473'): [string, string][] {
  const start = message.indexOf(`[${sdId}`);
  const out: [string, string][] = [];
  const re = /\s([^=\s\]"]+)="((?:[^"\\]|\\.)*)"/y;
  let at = start + sdId.length + 1;
  for (;;) {
    re.lastIndex = at;
    const m = re.exec(message);
    if (!m) break;
    out.push([m[1], m[2].replace(/\\(["\\\]])/g, '$1')]);
    at = re.lastIndex;
  }
  expect(message[at]).toBe(']');
  return out;
}

describe('RFC 5424', () => {
  it('header, meta sequenceId, attributes as structured data, body as MSG', () => {
    expect(text(record(), {}, 7)).toBe(
      '<86>1 2026-11-21T12:00:00.123456Z web-1 bpfaudit 42 process.exec [meta sequenceId="7"]' +
        '[bpfaudit@32473 process.pid="7" process.command_args.0="/usr/bin/id" process.command_args.1="-u" truncated="true" user.name="alice"] ' +
        'exec bash[7] /usr/bin/id -u (uid=1000 euid=1000 ppid=6)',
    );
  });

  it('PRI from the facility and the record severity', () => {
    expect(text(record({ severityNumber: 13 }), { facility: 'local3' })).toMatch(/^<156>1 /);
    expect([1, 5, 9, 13, 17, 21, undefined].map(syslogSeverity)).toEqual([7, 7, 6, 4, 3, 2, 6]);
  });

  it('hostile text stays inside its parameter: newline, quote, backslash, bracket, a forged element', () => {
    const hostile = ['a\nb', '"', '\\', ']', 'x"] [meta sequenceId="1"] <13>1 - forged', '\u2028', 'ü'];
    const m = text(record({ attributes: { 'process.command_args': hostile } }));
    expect(m).not.toMatch(/[\x00-\x1f\x7f\u2028]/);
    // read back by the RFC's rules: the text format's escapes of each element, nothing else
    expect(sdParams(m)).toEqual([
      ['process.command_args.0', 'a\\nb'],
      ['process.command_args.1', '"'],
      ['process.command_args.2', '\\\\'],
      ['process.command_args.3', ']'],
      ['process.command_args.4', 'x"] [meta sequenceId="1"] <13>1 - forged'],
      ['process.command_args.5', '\\u2028'],
      ['process.command_args.6', 'ü'],
    ]);
    expect(paramValue('a]b"c\\d')).toBe('a\\]b\\"c\\\\\\\\d');
  });

  it('parameter names: the bpfaudit. prefix left out, at most 32 characters, no delimiters', () => {
    expect(paramName('bpfaudit.connection.bytes_received')).toBe('connection.bytes_received');
    expect(paramName('process.parent.executable.path')).toBe('process.parent.executable.path');
    expect(paramName('x'.repeat(40))).toHaveLength(32);
    expect(paramName('process.parent.command_args', '.1023')).toBe('process.parent.command_args.1023');
    expect(paramName('process.parent.command_args.extra', '.1023')).toHaveLength(32);
    expect(paramName('a b=c]d"e')).toBe('a_b_c_d_e');
  });

  it('json: MSG is the record as the jsonl exporter writes it, the structured data only meta', () => {
    const r = record({ attributes: { 'process.command_args': ['a\nb'] } });
    expect(text(r, { message: 'json' }, 3)).toBe(`<86>1 2026-11-21T12:00:00.123456Z web-1 bpfaudit 42 process.exec [meta sequenceId="3"] ${jsonObject(readable(r))}`);
  });

  it('header fields are printable ASCII of their RFC length', () => {
    expect(text(record({ eventName: 'a b'.repeat(20) }), { hostname: 'h ö' })).toMatch(/^<86>1 \S+ h__ bpfaudit 42 (a_b){10}a_ \[/);
  });
});

describe('RFC 3164', () => {
  const tz = process.env.TZ;
  beforeAll(() => (process.env.TZ = 'UTC'));
  afterAll(() => (process.env.TZ = tz));

  it('old header with TAG[PID], the event name and structured data as text in MSG', () => {
    expect(text(record({ timeUnixNs: T - 20n * 86_400_000_000_000n }), { format: 'rfc3164' })).toBe(
      '<86>Nov  1 12:00:00 web-1 bpfaudit[42]: process.exec [meta sequenceId="1"]' +
        '[bpfaudit@32473 process.pid="7" process.command_args.0="/usr/bin/id" process.command_args.1="-u" truncated="true" user.name="alice"] ' +
        'exec bash[7] /usr/bin/id -u (uid=1000 euid=1000 ppid=6)',
    );
  });
});

describe('size limit', () => {
  it('a long body is cut, flagged with the length it had, the structured data whole', () => {
    const r = record({ body: 'x'.repeat(2000) });
    const full = syslogMessage(readable(r), 1, OPTIONS);
    const cut = syslogMessage(readable(r), 1, { ...OPTIONS, maxBytes: 600 });
    expect(full.truncatedFrom).toBeUndefined();
    expect(cut.bytes.length).toBe(600);
    expect(cut.truncatedFrom).toBe(full.bytes.length);
    const m = cut.bytes.toString();
    expect(sdParams(m)[0]).toEqual(['truncated_from', String(full.bytes.length)]);
    expect(sdParams(m).slice(1)).toEqual(sdParams(full.bytes.toString()));
  });

  it('when the parameters alone do not fit, the last ones are left out and the element stays well-formed', () => {
    const attributes = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`attr.${i}`, 'v'.repeat(20)]));
    const cut = syslogMessage(readable(record({ attributes })), 1, { ...OPTIONS, maxBytes: 600 });
    const m = cut.bytes.toString();
    expect(cut.bytes.length).toBeLessThanOrEqual(600);
    const params = sdParams(m);
    expect(params[0][0]).toBe('truncated_from');
    expect(params.slice(1).map(([k]) => k)).toEqual(Array.from({ length: params.length - 1 }, (_, i) => `attr.${i}`));
    expect(params.length).toBeGreaterThan(5);
  });

  it('never splits a UTF-8 character', () => {
    const cut = syslogMessage(readable(record({ body: 'ü'.repeat(1000) })), 1, { ...OPTIONS, maxBytes: 601 });
    expect(cut.bytes.toString()).not.toContain('\ufffd');
    expect(cut.bytes.length).toBeLessThanOrEqual(601);
  });
});

describe('endpoints and framing', () => {
  it('parses the four transports and rejects the rest', () => {
    expect(parseEndpoint('unix:///dev/log')).toEqual({ kind: 'unix', path: '/dev/log' });
    expect(parseEndpoint('udp://10.0.0.1:514')).toEqual({ kind: 'udp', host: '10.0.0.1', port: 514 });
    expect(parseEndpoint('tcp://[::1]:601')).toEqual({ kind: 'tcp', host: '::1', port: 601 });
    expect(parseEndpoint('tls://siem.example:6514')).toEqual({ kind: 'tls', host: 'siem.example', port: 6514 });
    for (const bad of ['udp://host', 'tcp://h:0', 'tcp://h:65536', 'unix://rel', 'http://h:1']) expect(() => parseEndpoint(bad)).toThrow();
  });

  it('octet counting: the byte length, a space, the message', () => {
    expect(octetCounted(Buffer.from('<86>1 - - - - - - ü')).toString()).toBe('20 <86>1 - - - - - - ü');
  });
});
