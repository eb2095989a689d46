// otel-collector.yaml against what bpfaudit sends: every pipeline names
// components the file defines, and every OTLP path bpfaudit posts to
// (logs, and the loss counters as metrics) reaches a pipeline with an
// OTLP/HTTP receiver on the address bpfaudit uses by default.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EXPORTER_DEFAULTS } from '../../receiver/src/config/defaults';
import { otlpUrl } from '../../receiver/src/exporters/otlp_settings';
import { projectRoot } from '../../receiver/src/paths';
import { metricsUrl } from '../../receiver/src/stats/metrics';

type Section = Record<string, unknown>;
interface Pipeline {
  receivers?: string[];
  processors?: string[];
  exporters?: string[];
}

const collector = parse(readFileSync(join(projectRoot(), 'otel-collector.yaml'), 'utf8')) as {
  receivers: Section;
  processors: Section;
  exporters: Section;
  extensions: Section;
  service: { extensions: string[]; pipelines: Record<string, Pipeline> };
};

/** The signal an OTLP/HTTP path carries, as the collector's pipeline types name it. */
function signalOf(url: string): string {
  const path = new URL(url).pathname;
  const m = /^\/v1\/(logs|metrics|traces)$/.exec(path);
  if (!m) throw new Error(`${url} is not an OTLP/HTTP signal path`);
  return m[1];
}

describe('otel-collector.yaml', () => {
  it('defines every component a pipeline or the service names', () => {
    for (const [name, p] of Object.entries(collector.service.pipelines)) {
      expect(p.receivers?.length, `${name}: receivers`).toBeGreaterThan(0);
      expect(p.exporters?.length, `${name}: exporters`).toBeGreaterThan(0);
      for (const kind of ['receivers', 'processors', 'exporters'] as const) {
        for (const id of p[kind] ?? []) expect(Object.keys(collector[kind]), `${name}: ${kind} ${id}`).toContain(id);
      }
    }
    for (const id of collector.service.extensions) expect(Object.keys(collector.extensions)).toContain(id);
  });

  it('has a pipeline with an OTLP/HTTP receiver for every path bpfaudit posts to', () => {
    const logs = otlpUrl({ type: 'otlp', ...structuredClone(EXPORTER_DEFAULTS.otlp) }, {});
    const posted = [logs, metricsUrl(logs)];
    expect(posted.map((u) => new URL(u).pathname)).toEqual(['/v1/logs', '/v1/metrics']);
    for (const url of posted) {
      const signal = signalOf(url);
      const pipelines = Object.entries(collector.service.pipelines).filter(([name]) => name.split('/')[0] === signal);
      expect(pipelines.length, `a ${signal} pipeline for ${url}`).toBeGreaterThan(0);
      const otlpReceivers = pipelines.flatMap(([, p]) => p.receivers ?? []).filter((id) => id.split('/')[0] === 'otlp');
      expect(otlpReceivers.length, `an otlp receiver in the ${signal} pipeline`).toBeGreaterThan(0);
      for (const id of otlpReceivers) {
        const http = (collector.receivers[id] as { protocols?: { http?: { endpoint?: string } } }).protocols?.http;
        expect(http, `${id} speaks OTLP/HTTP`).toBeDefined();
        // bpfaudit's default endpoint is localhost:4318; the collector must listen there
        expect(http!.endpoint).toMatch(new RegExp(`^(127\\.0\\.0\\.1|localhost|0\\.0\\.0\\.0):${new URL(url).port}$`));
      }
    }
  });
});
