// npm run bench: prints a table and writes bench-results/bench.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths';
import { pipelineThroughput } from './pipeline';

async function main(): Promise<void> {
  const total = Number(process.env.BENCH_EVENTS ?? 400_000);
  const pipeline = await pipelineThroughput(total);
  const rows = [
    ['pipeline (SDK path, raw records -> OTLP/protobuf accepted)', `${Math.round(pipeline.eventsPerSecond).toLocaleString('en')} events/s`, '>= 200,000 events/s'],
    ['  events / time', `${pipeline.events} in ${pipeline.seconds.toFixed(2)} s`, ''],
    ['  requests / bytes on the wire', `${pipeline.requests} / ${pipeline.bytesOnWire}`, ''],
    ['resident memory after the run', `${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`, '<= 150 MiB'],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(rows.map(([a, b, c]) => `${a.padEnd(w)}  ${b.padEnd(28)}  ${c}`).join('\n') + '\n');
  const dir = join(projectRoot(), 'bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'bench.json'), JSON.stringify({ pipeline, rssBytes: process.memoryUsage().rss }, null, 2) + '\n');
}

main().catch((e) => {
  process.stderr.write(`bench: ${(e as Error).stack}\n`);
  process.exitCode = 1;
});
