import { describe, expect, it } from 'vitest';
import { parseResourceAttributes, resourceAttributes } from '../../receiver/src/otel/resource';
import { otlpClientOptions, otlpProtocol, otlpUrl, parseHeaders } from '../../receiver/src/exporters/otlp_settings';
import { exportersFromEnv } from '../../receiver/src/cli/run';
import { ttyName } from '../../receiver/src/enrich/tty';
import { parsePasswd } from '../../receiver/src/enrich/users';
import { EXPORTER_DEFAULTS } from '../../receiver/src/config/defaults';
import type { OtlpExporterConfig } from '../../receiver/src/config/types';

const OTLP = (o: Partial<OtlpExporterConfig>): OtlpExporterConfig => ({ type: 'otlp', ...structuredClone(EXPORTER_DEFAULTS.otlp), ...o });
import { formatIPv6 } from '../../receiver/src/decode/inet';
import { metricsUrl } from '../../receiver/src/stats/metrics';

describe('resource', () => {
  it('parses OTEL_RESOURCE_ATTRIBUTES with percent-encoding', () => {
    expect(parseResourceAttributes('a=1, b=x%2Cy,=bad,c')).toEqual({ a: '1', b: 'x,y' });
  });
  it('layers detected < config < OTEL_RESOURCE_ATTRIBUTES < OTEL_SERVICE_NAME', () => {
    const attrs = resourceAttributes({ 'service.name': 'cfg', team: 'sec' }, { OTEL_RESOURCE_ATTRIBUTES: 'team=blue,service.name=env' });
    expect(attrs).toMatchObject({ 'service.name': 'env', team: 'blue', 'os.type': 'linux' });
    expect(resourceAttributes({}, { OTEL_SERVICE_NAME: 'svc', OTEL_RESOURCE_ATTRIBUTES: 'service.name=env' })['service.name']).toBe('svc');
    expect(resourceAttributes({}, {})).toHaveProperty('host.arch');
  });
});

describe('otlp exporter settings', () => {
  it('config beats environment, environment beats the default', () => {
    expect(otlpProtocol(OTLP({ protocol: 'http/json' }), { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })).toBe('http/json');
    expect(otlpProtocol(OTLP({}), { OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json' })).toBe('http/json');
    expect(otlpProtocol(OTLP({}), {})).toBe('http/protobuf');
    expect(() => otlpProtocol(OTLP({}), { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/not supported/);
  });
  it('treats the configured endpoint and OTEL_EXPORTER_OTLP_ENDPOINT as base URLs, the LOGS variable as the URL', () => {
    expect(otlpUrl(OTLP({ endpoint: 'http://c:4318/' }), {})).toBe('http://c:4318/v1/logs');
    expect(otlpUrl(OTLP({}), { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://x:4318' })).toBe('https://x:4318/v1/logs');
    expect(otlpUrl(OTLP({}), { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'https://x/custom', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://y' })).toBe('https://x/custom');
    expect(otlpUrl(OTLP({}), {})).toBe('http://localhost:4318/v1/logs');
  });
  it('reads headers, timeout, compression and certificates from the environment', () => {
    expect(parseHeaders('api-key=a%3Db, x = y ,bad')).toEqual({ 'api-key': 'a=b', x: 'y' });
    const o = otlpClientOptions(OTLP({ headers: { x: 'cfg' } }), {
      OTEL_EXPORTER_OTLP_HEADERS: 'x=env,y=1', OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: '2500', OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
      OTEL_EXPORTER_OTLP_CERTIFICATE: '/ca.pem', OTEL_EXPORTER_OTLP_CLIENT_KEY: '/k.pem',
    });
    expect(o).toMatchObject({ headers: { x: 'cfg', y: '1' }, timeoutMs: 2500, compression: 'none', tls: { caFile: '/ca.pem', keyFile: '/k.pem' } });
    const compression = (o: { compression: string; fallback?: string }) => `${o.compression}${o.fallback ? ` else ${o.fallback}` : ''}`;
    // the default alone falls back: a compression asked for is sent as asked
    expect(compression(otlpClientOptions(OTLP({}), {}))).toBe('zstd else gzip');
    expect(compression(otlpClientOptions(OTLP({}), { OTEL_EXPORTER_OTLP_COMPRESSION: '' }))).toBe('zstd else gzip');
    expect(compression(otlpClientOptions(OTLP({}), { OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'zstd', OTEL_EXPORTER_OTLP_COMPRESSION: 'none' }))).toBe('zstd');
    expect(compression(otlpClientOptions(OTLP({ compression: 'none' }), { OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' }))).toBe('none');
    expect(compression(otlpClientOptions(OTLP({ compression: 'gzip' }), {}))).toBe('gzip');
    // a misspelt value is an error, not a silent "no compression"
    expect(() => otlpClientOptions(OTLP({}), { OTEL_EXPORTER_OTLP_COMPRESSION: 'gz' })).toThrow('OTEL_EXPORTER_OTLP_COMPRESSION=gz is not supported (gzip, zstd, none)');
  });
  it('OTEL_LOGS_EXPORTER picks exporters when there is no config file', () => {
    expect(exportersFromEnv('otlp,console', [])).toEqual([OTLP({}), { type: 'stdout', format: 'text' }]);
    expect(() => exportersFromEnv('none', [])).toThrow(/nothing to write/);
    expect(() => exportersFromEnv('zipkin', [])).toThrow(/unknown exporter zipkin/);
  });
});

describe('metrics endpoint', () => {
  it('sits beside the logs endpoint', () => {
    expect(metricsUrl('http://c:4318/v1/logs')).toBe('http://c:4318/v1/metrics');
    expect(metricsUrl('https://x/custom')).toBe('https://x/custom/v1/metrics');
  });
});

describe('enrichment helpers', () => {
  it('names ttys the way people do', () => {
    expect([ttyName('pts3'), ttyName('tty1'), ttyName('ttyS0'), ttyName('')]).toEqual(['pts/3', 'tty1', 'ttyS0', undefined]);
  });
  it('reads passwd, first entry of a uid wins', () => {
    expect(parsePasswd('root:x:0:0::/root:/bin/sh\n#c\ntoor:x:0:0::/:/bin/sh\nalice:x:1000:1000::/home/a:/bin/sh\nbad\n')).toEqual(
      new Map([[0, 'root'], [1000, 'alice']]),
    );
  });
  it('formats IPv6 per RFC 5952', () => {
    const b = (words: number[]) => { const x = Buffer.alloc(16); words.forEach((w, i) => x.writeUInt16BE(w, i * 2)); return x; };
    expect(formatIPv6(b([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), 0)).toBe('2001:db8::1:0:0:1');
    expect(formatIPv6(b([0, 0, 0, 0, 0, 0, 0, 0]), 0)).toBe('::');
    expect(formatIPv6(b([0xfe80, 0, 0, 0, 0, 0, 0, 0]), 0)).toBe('fe80::');
    expect(formatIPv6(b([1, 0, 2, 0, 3, 0, 4, 0]), 0)).toBe('1:0:2:0:3:0:4:0');
  });
});
