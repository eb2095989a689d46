import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kernelHasTracepoint } from '../../receiver/src/kernel_btf';

describe('kernelHasTracepoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfaudit-btf-'));
  afterAll(() => rmSync(dir, { recursive: true }));
  const btf = join(dir, 'vmlinux');
  writeFileSync(btf, Buffer.from('\x9f\xeb\x01\0header\0btf_trace_sched_process_exec\0btf_trace_sched_prepare_exec_old\0', 'latin1'));

  it('finds a tracepoint by its whole BTF name only', () => {
    expect(kernelHasTracepoint('sched_process_exec', btf)).toBe(true);
    expect(kernelHasTracepoint('sched_prepare_exec', btf)).toBe(false);
    expect(kernelHasTracepoint('sched_process', btf)).toBe(false);
  });

  it('answers no without a BTF file', () => {
    expect(kernelHasTracepoint('sched_process_exec', join(dir, 'absent'))).toBe(false);
  });

  it('matches the running kernel: sched_prepare_exec from 6.10 on', () => {
    const [major, minor] = release().split('.').map(Number);
    expect(kernelHasTracepoint('sched_prepare_exec')).toBe(major > 6 || (major === 6 && minor >= 10));
  });
});
