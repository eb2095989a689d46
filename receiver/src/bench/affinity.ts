// The pipeline target is stated per core: while it is measured, the bench's
// own process (the receiver under test, with V8's and libuv's threads) runs
// on one CPU and the OTLP server it sends to on the others. Left to the
// scheduler, the receiver's garbage-collector threads ran beside it on the
// second CPU, and its events/s was not a one-core figure.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The CPUs a process may run on, from /proc/<pid>/status (e.g. "0-1,4"). */
export function allowedCpus(pid: number = process.pid): number[] {
  const m = /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no Cpus_allowed_list for pid ${pid}`);
  return m[1].split(',').flatMap((r) => {
    const [a, b = a] = r.split('-').map(Number);
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

/** Confines every thread of a process (and what it starts later) to these CPUs. */
export function setCpus(pid: number, cpus: number[]): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus.join(','), String(pid)], { stdio: 'ignore' });
}
