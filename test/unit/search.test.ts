// bpfaudit search's pure parts: times, arguments, the raw-line prefilter
// (never rejects a line the exact test would take), the exact filters, the
// process tree, and reading jsonl and OTLP/JSON lines.
import { describe, expect, it } from 'vitest';
import { jsonText, type RecordJson } from '../../receiver/src/exporters/formats';
import { recordsOfLine } from '../../receiver/src/search/found_record';
import { SearchFilter } from '../../receiver/src/search/search_filter';
import { parseSearchArgs, parseTime } from '../../receiver/src/search/search_query';

function rec(eventName: string, attributes: Record<string, unknown>, timestamp = '2026-11-21T02:30:00.000000000Z', body = `${eventName} body`): RecordJson {
  return { timestamp, observedTimestamp: timestamp, eventName, severityNumber: 9, severityText: 'INFO', body, attributes };
}

const shell = rec('process.exec', { 'process.pid': 100, 'process.parent_pid': 1, 'user.id': '1000', 'user.name': 'alice', 'process.user.id': 1000, 'process.executable.path': '/usr/bin/bash', 'process.executable.name': 'bash' }, '2026-11-21T02:00:00.000000000Z');
const curl = rec('process.exec', { 'process.pid': 101, 'process.parent_pid': 100, 'user.id': '1000', 'process.user.id': 1000, 'process.executable.path': '/usr/bin/curl', 'process.executable.name': 'curl' }, '2026-11-21T02:00:01.000000000Z', 'exec bash[101] /usr/bin/curl -s http://10.1.2.3/x');
const connect = rec('network.tcp.connect', { 'process.pid': 101, 'process.parent_pid': 100, 'user.id': '1000', 'network.peer.address': '10.1.2.3', 'network.peer.port': 80, 'network.local.address': '10.0.0.5', 'network.local.port': 40000 }, '2026-11-21T02:00:02.000000000Z');
const curlExit = rec('process.exit', { 'process.pid': 101, 'process.parent_pid': 100 }, '2026-11-21T02:00:03.000000000Z');
const reused = rec('process.exec', { 'process.pid': 101, 'process.parent_pid': 7, 'user.id': '0' }, '2026-11-21T02:10:00.000000000Z');
const ipset = rec('ipset.add', { 'process.pid': 300, 'process.parent_pid': 1, 'user.id': '0', 'user.name': 'root', 'ipset.set.name': 'blocklist', 'ipset.entry': '192.0.2.1' }, '2026-11-21T03:00:00.000000000Z');
const all = [shell, curl, connect, curlExit, reused, ipset];

/** What a query returns over `all`, checked against the prefilter on each record's jsonl line. */
function run(args: string[]): RecordJson[] {
  const f = new SearchFilter(parseSearchArgs(['x.jsonl', ...args], Date.parse('2026-11-21T04:00:00Z')));
  return all.filter((r) => {
    const line = Buffer.from(jsonText(r));
    const m = f.matches(r);
    if (m) expect(f.mayMatch(line, 0, line.length)).toBe(true);
    return m;
  });
}

describe('search', () => {
  it('times: RFC 3339 with any offset and fraction, or a time ago', () => {
    expect(parseTime('2026-11-21T03:00:00+01:00')).toBe('2026-11-21T02:00:00.000000000Z');
    expect(parseTime('2026-11-21T02:00:00.5Z')).toBe('2026-11-21T02:00:00.500000000Z');
    expect(parseTime('2026-11-21T02:00:00.123456789Z')).toBe('2026-11-21T02:00:00.123456789Z');
    expect(parseTime('2h', Date.parse('2026-11-21T04:00:00Z'))).toBe('2026-11-21T02:00:00.000000000Z');
    expect(parseTime('90s', Date.parse('2026-11-21T04:00:00Z'))).toBe('2026-11-21T03:58:30.000000000Z');
    for (const bad of ['yesterday', '2026-11-21', '2026-13-01T00:00:00Z', '2x']) expect(() => parseTime(bad)).toThrow(/RFC 3339/);
  });

  it('arguments: unknown options, missing values and bad numbers are errors', () => {
    expect(() => parseSearchArgs(['--bogus', '1'])).toThrow('unknown option --bogus');
    expect(() => parseSearchArgs(['--pid'])).toThrow('--pid needs a value');
    expect(() => parseSearchArgs(['--port', '70000'])).toThrow('--port 70000');
    expect(() => parseSearchArgs(['--address', '10.0.0.0/33'])).toThrow();
    expect(() => parseSearchArgs(['--format', 'xml'])).toThrow('--format xml');
    expect(parseSearchArgs(['a', 'b.gz', '--format', 'jsonl']).files).toEqual(['a', 'b.gz']);
  });

  it('each filter, combined with AND', () => {
    expect(run(['--pid', '101'])).toEqual([curl, connect, curlExit, reused]);
    expect(run(['--event', 'network.tcp'])).toEqual([connect]);
    expect(run(['--event', 'network.tc'])).toEqual([]);
    expect(run(['--event', 'ipset.add'])).toEqual([ipset]);
    expect(run(['--user', 'alice'])).toEqual([shell]);
    expect(run(['--user', '1000'])).toEqual([shell, curl, connect]);
    expect(run(['--exe', 'curl'])).toEqual([curl]);
    expect(run(['--exe', '/usr/bin/bash'])).toEqual([shell]);
    expect(run(['--address', '10.1.0.0/16'])).toEqual([connect]);
    expect(run(['--address', '10.1.2.3'])).toEqual([connect]);
    expect(run(['--address', '10.0.0.0/8', '--port', '40000'])).toEqual([connect]);
    expect(run(['--port', '81'])).toEqual([]);
    expect(run(['--set', 'blocklist'])).toEqual([ipset]);
    expect(run(['--text', '/usr/bin/curl -s'])).toEqual([curl]);
    expect(run(['--since', '2026-11-21T02:00:02Z', '--until', '2026-11-21T02:10:00Z'])).toEqual([connect, curlExit, reused]);
    expect(run(['--since', '2h', '--user', '0'])).toEqual([reused, ipset]);
  });

  it('--tree: the process and its descendants by parent pid, until each exits (a reused pid is not taken in)', () => {
    expect(run(['--tree', '100'])).toEqual([shell, curl, connect, curlExit]);
    expect(run(['--tree', '100', '--event', 'network'])).toEqual([connect]);
  });

  it('the time prefilter looks at a jsonl line only, and rejects by its leading timestamp', () => {
    const f = new SearchFilter(parseSearchArgs(['--since', '2026-11-21T02:00:01Z']));
    const line = (r: RecordJson) => Buffer.from(jsonText(r));
    expect(f.mayMatch(line(shell), 0, line(shell).length)).toBe(false);
    expect(f.mayMatch(line(curl), 0, line(curl).length)).toBe(true);
    const otlp = Buffer.from('{"resourceLogs":[]}');
    expect(f.mayMatch(otlp, 0, otlp.length)).toBe(true);
  });

  it('reads jsonl and OTLP/JSON lines; says why another line is not a record', () => {
    expect(recordsOfLine(jsonText(connect))).toEqual([{ json: connect, line: jsonText(connect) }]);
    const otlp = JSON.stringify({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '1795312800000000000', observedTimeUnixNano: '1795312800000000001', eventName: 'process.exec', severityNumber: 9, severityText: 'INFO', body: { stringValue: 'exec' }, attributes: [{ key: 'process.pid', value: { intValue: '5' } }, { key: 'process.command_args', value: { arrayValue: { values: [{ stringValue: 'a' }] } } }, { key: 'process.interactive', value: { boolValue: false } }] }] }] }],
    });
    expect(recordsOfLine(otlp)).toEqual([
      { json: { timestamp: '2026-11-22T02:00:00.000000000Z', observedTimestamp: '2026-11-22T02:00:00.000000001Z', eventName: 'process.exec', severityNumber: 9, severityText: 'INFO', body: 'exec', attributes: { 'process.pid': 5, 'process.command_args': ['a'], 'process.interactive': false } } },
    ]);
    expect(() => recordsOfLine('{"timestamp":"2026-11-21T02:00:00Z","attrib')).toThrow(/JSON/);
    expect(() => recordsOfLine('[1,2]')).toThrow('not a JSON object');
    expect(() => recordsOfLine('{"a":1}')).toThrow('neither a jsonl record nor an OTLP/JSON request');
  });
});
