import { describe, expect, it } from 'vitest';
import type { ExecEvent, TcpEvent } from '../../receiver/src/events';
import { SAMPLE_PROC } from '../../receiver/src/decode/encode';
import { eventToLogRecord } from '../../receiver/src/mapping/event_to_logrecord';
import { LineBytes } from '../../receiver/src/mapping/line_bytes';
import { testContext } from '../helpers/records';

const exec: ExecEvent = {
  kind: 'exec', ktimeNs: 1n, proc: SAMPLE_PROC, oldComm: 'bash', exe: '/usr/bin/curl', exeTruncated: false,
  exeFileless: false, exeDeleted: false, exeOverlayUpper: false, argv: ['curl', 'x'], argsTruncated: false,
};
const connect: TcpEvent = {
  kind: 'tcp.connect', ktimeNs: 2n, proc: SAMPLE_PROC, ipVersion: 4, localAddress: '10.0.0.5', localPort: 1,
  remoteAddress: '10.0.0.9', remotePort: 443, inbound: false, error: 0, durationNs: 0n, bytesSent: 0n, bytesReceived: 0n, noOwner: false, startUnknown: false,
};

describe('body lines as bytes', () => {
  it('writes integers as String() does, fractions and huge ones included', () => {
    const values = [0, 7, 9, 10, 99, 100, 65_535, 4_294_967_295, Number.MAX_SAFE_INTEGER, 2 ** 60, 1.5, -3, NaN];
    const big = [0n, 12n, 9_007_199_254_740_991n, 9_007_199_254_740_992n, 2n ** 64n - 1n, -5n];
    const line = new LineBytes();
    line.begin();
    for (const v of values) {
      line.uint(v);
      line.text(',');
    }
    for (const v of big) {
      line.big(v);
      line.text(',');
    }
    expect(line.toString()).toBe([...values, ...big].map((v) => `${v},`).join(''));
  });

  it('keeps text of any length and script, and moves a line that outgrows its chunk with what it holds', () => {
    const line = new LineBytes(32);
    const pieces = ['exec ', 'ünïcödé', ' ', 'a'.repeat(40), '\u{1F600}', ' short', 'b'.repeat(17)];
    line.begin();
    line.text('first line, 23 bytes.');
    const firstChunk = line.chunk;
    const first = line.toString();
    line.begin();
    for (const p of pieces) line.text(p);
    expect(line.toString()).toBe(pieces.join(''));
    expect(line.chunk).not.toBe(firstChunk);
    expect(line.start).toBe(0);
    // the line before stays where it was, for the record that holds it
    expect(firstChunk.toString('utf8', 0, 21)).toBe(first);
  });

  it('gives every record its own body across chunk boundaries', () => {
    const records = Array.from({ length: 3000 }, (_, i) => eventToLogRecord({ ...connect, localPort: 1 + i }, testContext()));
    records.forEach((r, i) => expect(r.body).toBe(`curl[4242] TCP 10.0.0.5:${1 + i} -> 10.0.0.9:443 (uid=1000)`));
  });

  it('leaves nothing of a body that failed half-written in the next record', () => {
    const broken = { ...exec, argv: ['curl', undefined as unknown as string] };
    expect(() => eventToLogRecord(broken, testContext())).toThrow();
    expect(eventToLogRecord(connect, testContext()).body).toBe('curl[4242] TCP 10.0.0.5:1 -> 10.0.0.9:443 (uid=1000)');
  });
});
