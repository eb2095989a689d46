// The bpfaudit CLI as a child of a test: started with a config file, its
// stderr collected, killed if the test ends early.
import { spawn, type ChildProcess } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { bpfauditCommand } from '../../receiver/src/paths';

export async function until(what: string, test: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface Cli {
  child: ChildProcess;
  stderr(): string;
  stdout(): string;
  exited: Promise<number | null>;
}

/** Starts `bpfaudit run --config FILE` (behind `wrapper`, a command that execs the rest) and waits until it says it is running. */
export async function startCli(config: string, env: NodeJS.ProcessEnv = process.env, wrapper: string[] = []): Promise<Cli> {
  const argv = [...wrapper, bpfauditCommand(), 'run', '--config', config];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env });
  let err = '';
  let out = '';
  child.stderr!.on('data', (d) => (err += d));
  child.stdout!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await until('the receiver to start', () => err.includes('running ('), 30_000);
  return { child, stderr: () => err, stdout: () => out, exited };
}

/** Runs `bpfaudit run --config FILE` expecting it to refuse to start; its exit code and stderr. */
export async function failingCli(config: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(bpfauditCommand(), ['run', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { code, stderr };
}
