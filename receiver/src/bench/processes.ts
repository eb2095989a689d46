// Child processes of the benchmark: started, read, measured, ended.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface Child {
  proc: ChildProcess;
  /** the next line of its stdout, parsed as JSON */
  line<T = Record<string, number>>(): Promise<T>;
  exited: Promise<number | null>;
  stderr(): string;
}

export function start(argv: string[]): Child {
  const proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    const w = waiting.shift();
    if (w) w(l);
    else lines.push(l);
  });
  return {
    proc,
    exited: new Promise((r) => proc.on('exit', (c) => r(c))),
    stderr: () => err,
    line: <T>() =>
      new Promise<T>((resolve) => {
        const l = lines.shift();
        if (l !== undefined) resolve(JSON.parse(l) as T);
        else waiting.push((x) => resolve(JSON.parse(x) as T));
      }),
  };
}

export function loadScript(name: string): string[] {
  return [process.execPath, join(__dirname, 'load', `${name}.js`)];
}

/** Resident set size of a process, in MiB. */
export function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

export async function until(test: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
