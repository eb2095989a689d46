// `bpfaudit search` speed: a jsonl file the receiver writes (the pipeline
// bench's mix of exec, connect, close and exit records) repeated to the
// wanted size, scanned by the real command in a child process: MB/s for a
// filter that matches nothing, and for --tree, which must parse every line;
// the child's peak resident memory at two file sizes (streaming: it should
// not grow with the file).
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../config/defaults';
import { bpfauditCommand } from '../paths';
import { Receiver } from '../receiver';
import { sampleBatch } from './pipeline';

export interface SearchScan {
  filter: string;
  megabytes: number;
  seconds: number;
  mbPerSecond: number;
  peakRssMiB: number;
}

/** One search over the file, timed, with the child's peak RSS (GNU time's %M). */
function scan(file: string, args: string[]): SearchScan {
  const start = process.hrtime.bigint();
  // exit status 1: nothing matched, as intended
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss=%M', bpfauditCommand(), 'search', file, ...args, '--format', 'jsonl'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 1) throw new Error(`bpfaudit search ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const megabytes = statSync(file).size / 1e6;
  return { filter: args.join(' '), megabytes, seconds, mbPerSecond: megabytes / seconds, peakRssMiB: Math.round(Number(/maxrss=(\d+)/.exec(r.stderr)![1]) / 1024) };
}

async function sampleFile(dir: string): Promise<string> {
  const file = join(dir, 'sample.jsonl');
  const config = structuredClone(DEFAULT_CONFIG);
  config.exporters = [{ type: 'file', path: file, format: 'jsonl' }];
  const receiver = new Receiver(config);
  for (let i = 0; i < 10; i++) await receiver.handleBatch(sampleBatch(2000, 10_000_000 + i * 2000));
  await receiver.stop();
  return file;
}

export async function searchSpeed(megabytes: number): Promise<SearchScan[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bpfaudit-search-bench-'));
  try {
    const sample = readFileSync(await sampleFile(dir));
    const small = join(dir, 'audit.jsonl');
    const large = join(dir, 'audit-2x.jsonl');
    for (let n = 0; n * sample.length < megabytes * 1e6; n++) appendFileSync(small, sample);
    for (let i = 0; i < 2; i++) appendFileSync(large, readFileSync(small));
    // pids of the sample are from 10,000,000 on: 9,999,999 is in no record
    return [scan(small, ['--pid', '9999999']), scan(large, ['--pid', '9999999']), scan(small, ['--tree', '9999999'])];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
