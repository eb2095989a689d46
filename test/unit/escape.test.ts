// A process controls its name and argv; it must not be able to forge a
// second record line, or drive the terminal, in text or jsonl output.
import { describe, expect, it } from 'vitest';
import { escapeControls, escapeText, quoteArg } from '../../receiver/src/mapping/escape';
import { eventToLogRecord } from '../../receiver/src/mapping/event_to_logrecord';
import { jsonlLine, textLine } from '../../receiver/src/exporters/formats';
import { decodeBatch } from '../../receiver/src/decode/decode';
import { execRecord, frameBatch, SAMPLE_PROC } from '../../receiver/src/decode/encode';
import type { AuditEvent, ExecEvent } from '../../receiver/src/events';
import { plainCopy, readable, testContext } from '../helpers/records';

describe('escapeText', () => {
  it('escapes newlines, carriage returns, ESC, C1 and Unicode separators', () => {
    expect(escapeText('a\nb\rc\x1b[31md\x9be\u2028f\u2029g\x00h\\i')).toBe('a\\nb\\rc\\e[31md\\x9be\\u2028f\\u2029g\\x00h\\\\i');
  });
  it('leaves ordinary text, including non-ASCII, alone', () => {
    expect(escapeText('/usr/bin/ŝoso --name=ü')).toBe('/usr/bin/ŝoso --name=ü');
  });
  it('escapeControls does not double an existing escape', () => {
    expect(escapeControls(escapeText('a\nb\\'))).toBe('a\\nb\\\\');
  });
  it('quotes arguments that would not read as one word', () => {
    expect([quoteArg('-s'), quoteArg('a b'), quoteArg(''), quoteArg("it's")]).toEqual(['-s', "'a b'", "''", "'it\\'s'"]);
  });
});

describe('forged lines', () => {
  const forged = '\n2026-01-01T00:00:00.000000000Z exec sshd[1] /usr/sbin/sshd (uid=0 euid=0 ppid=1)';
  const events: AuditEvent[] = [];
  decodeBatch(
    frameBatch([
      execRecord({
        ktimeNs: 1_000n,
        proc: { ...SAMPLE_PROC, comm: 'x\nfake' },
        oldComm: 'evil\r\x1b[2K',
        exe: '/tmp/evil\nname',
        argv: ['evil', `arg${forged}`, '\x1b]0;title\x07', 'tab\there'],
      }),
    ]),
    (e) => events.push(e),
  );
  const record = readable(eventToLogRecord(events[0] as ExecEvent, testContext()));

  it('text output is exactly one line with no control characters', () => {
    const line = textLine(record);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/);
    expect(line).toContain('evil\\r\\e[2K[4242] /tmp/evil\\nname');
    expect(line.split('\n')).toHaveLength(2);
  });

  it('jsonl output is exactly one line and round-trips the raw argv', () => {
    const line = jsonlLine(record);
    expect(line.split('\n')).toHaveLength(2);
    expect(line.slice(0, -1)).not.toMatch(/[\x00-\x1f\x7f\u2028\u2029]/);
    const parsed = JSON.parse(line);
    expect(parsed.attributes['process.command_args']).toEqual(['evil', `arg${forged}`, '\x1b]0;title\x07', 'tab\there']);
    expect(parsed.body).not.toMatch(/[\x00-\x1f]/);
  });

  it('jsonl escapes U+2028 and U+2029 too', () => {
    const line = jsonlLine(plainCopy(record, { attributes: { x: 'a\u2028b\u2029c' } }));
    expect(line).toContain('a\\u2028b\\u2029c');
    expect(JSON.parse(line).attributes.x).toBe('a\u2028b\u2029c');
  });
});
