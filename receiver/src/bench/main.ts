// npm run bench: prints a table and writes bench-results/bench.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths';
import { pipelineThroughput } from './pipeline';

async function main(): Promise<void> {
  const total = Number(process.env.BENCH_EVENTS ?? 400_000);
  const direct = await pipelineThroughput(total, 'direct');
  const sdk = await pipelineThroughput(total, 'sdk');
  const rows = [
    ['pipeline, direct encoder (raw records -> OTLP/protobuf acknowledged)', `${Math.round(direct.eventsPerSecond).toLocaleString('en')} events/s`, '>= 200,000 (stretch 500,000)'],
    ['pipeline, SDK serializer', `${Math.round(sdk.eventsPerSecond).toLocaleString('en')} events/s`, '>= 200,000'],
    ['  acknowledged / time (direct)', `${direct.acknowledged} in ${direct.seconds.toFixed(2)} s`, ''],
    ['  peak RSS during the pipeline run (direct)', `${direct.rssMiB} MiB`, ''],
  ];
  const pipeline = { direct, sdk };
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
