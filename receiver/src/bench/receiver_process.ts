// bpfaudit itself as the benchmark runs it: the CLI, a config file, an OTLP
// exporter to the bench's collector; its shutdown summary parsed.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bpfauditCommand } from '../paths';
import { start, until, type Child } from './processes';

export interface Summary {
  records: number;
  events: number;
  lost: number;
  filtered: number;
  folded: number;
  exported: number;
  exportFailed: number;
  rejected: number;
  spoolOverflow: number;
  malformed: number;
}

function sumKinds(v: string | undefined): number {
  if (!v || v === '0') return 0;
  return v.split(',').reduce((n, kv) => n + Number(kv.split(':')[1] ?? 0), 0);
}

export function parseSummary(stderr: string): Summary {
  const line = stderr.split('\n').find((l) => / records from \d+ events/.test(l));
  if (!line) throw new Error(`no summary in the receiver's output:\n${stderr.slice(-2000)}`);
  const kv = (k: string) => new RegExp(`(?:^| )${k}=([^ ]*)`).exec(line)?.[1];
  const m = /bpfaudit: (\d+) records from (\d+) events/.exec(line)!;
  return {
    records: Number(m[1]),
    events: Number(m[2]),
    lost: sumKinds(/kernel lost=([^ ]*)/.exec(line)?.[1]),
    filtered: sumKinds(kv('filtered')),
    folded: Number(kv('folded') ?? 0),
    exported: Number(kv('exported') ?? 0),
    exportFailed: Number(/ failed=(\d+) exported/.exec(line)?.[1] ?? 0) + Number(/ rejected=\d+ failed=(\d+)/.exec(line)?.[1] ?? 0),
    rejected: Number(kv('rejected') ?? 0),
    spoolOverflow: Number(kv('spool_overflow') ?? 0),
    malformed: Number(kv('malformed') ?? 0),
  };
}

export async function startReceiver(collectorUrl: string, extraYaml: string[] = []): Promise<Child> {
  const dir = mkdtempSync(join(tmpdir(), 'bpfaudit-bench-'));
  // the receiver drops to nobody after start-up and keeps writing its spool below here
  chmodSync(dir, 0o755);
  const config = join(dir, 'bpfaudit.yaml');
  writeFileSync(
    config,
    [
      `exporters: [ { type: otlp, endpoint: "${collectorUrl}", protocol: http/protobuf, spool: { dir: "${join(dir, 'spool')}" } } ]`,
      'limits: { stats_interval_ms: 5000, shutdown_timeout_ms: 60000 }',
      ...extraYaml,
    ].join('\n'),
  );
  const child = start([bpfauditCommand(), 'run', '--config', config]);
  // its config and spool go with it
  void child.exited.then(() => rmSync(dir, { recursive: true, force: true }));
  // not the privilege drop's "now running as nobody": signals are handled only from this line on
  await until(() => /^bpfaudit: running \(/m.test(child.stderr()), 30_000, 'the receiver to start');
  return child;
}

export async function stopReceiver(child: Child): Promise<Summary> {
  child.proc.kill('SIGTERM');
  const code = await child.exited;
  if (code !== 0) throw new Error(`the receiver exited with ${code}:\n${child.stderr().slice(-2000)}`);
  return parseSummary(child.stderr());
}
