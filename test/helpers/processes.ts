// Child processes driven by the integration tests: started, read line by
// line as JSON, awaited to their exit.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll } from 'vitest';

// Every peer a test file starts is ended with the file, also when a test
// failed before ending it itself.
const started = new Set<ChildProcess>();
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

export interface Peer {
  child: ChildProcess;
  pid: number;
  next(): Promise<Record<string, any>>;
  exited: Promise<number | null>;
}

/**
 * Starts a peer script under Node; `wrap` puts a prefix before it (ip netns exec ...),
 * which execs Node in place, so the pid is still the peer's.
 */
export function startNode(script: string, args: string[], wrap: string[] = []): Peer {
  return startPeer([...wrap, process.execPath, join(__dirname, 'peers', script), ...args], script, args);
}

/**
 * The name (comm) a Node peer's main thread has, which is what records of
 * its sockets carry: the runtime names it, and not the same way in every
 * release ("node" up to 22, "MainThread" since), so it is asked, not assumed.
 */
export const NODE_PEER_COMM = execFileSync(process.execPath, ['-e', "process.stdout.write(require('fs').readFileSync('/proc/self/comm', 'utf8').trim())"], {
  encoding: 'utf8',
});

/** A peer script under Python 3: for socket options Node does not expose (SO_LINGER, shutdown). */
export function startPython(script: string, args: string[]): Peer {
  return startPeer(['python3', join(__dirname, 'peers', script), ...args], script, args);
}

/** A compiled peer (see peers/uring_peer.c). */
export function startBinary(path: string, args: string[]): Peer {
  return startPeer([path, ...args], path, args);
}

function startPeer(argv: string[], script: string, args: string[]): Peer {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  started.add(child);
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else lines.push(l);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    pid: child.pid!,
    exited,
    next: () =>
      new Promise((resolve, reject) => {
        const l = lines.shift();
        if (l !== undefined) return resolve(JSON.parse(l));
        const t = setTimeout(() => reject(new Error(`${script} ${args.join(' ')} printed nothing in 5 s`)), 5000);
        waiters.push((line) => {
          clearTimeout(t);
          resolve(JSON.parse(line));
        });
      }),
  };
}

/** Runs a program to completion; resolves with its pid and exit code. */
export function runProgram(file: string, args: string[], opts: { argv0?: string } = {}): Promise<{ pid: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'ignore', argv0: opts.argv0 });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ pid: child.pid!, code }));
  });
}

/**
 * Runs /bin/true PREFIX-NNNN for each number in [from, to), one after the
 * other, gapMs apart: records a test can find by argv[1], in order.
 */
export async function markedExecs(prefix: string, from: number, to: number, gapMs: number): Promise<string[]> {
  const markers: string[] = [];
  for (let i = from; i < to; i++) {
    markers.push(`${prefix}-${String(i).padStart(4, '0')}`);
    await runProgram('/bin/true', [markers[markers.length - 1]]);
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
  }
  return markers;
}
