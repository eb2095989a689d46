// What the running kernel offers, from the names in its BTF: a tp_btf hook
// exists exactly when the kernel has a btf_trace_<tracepoint> typedef.
import { readFileSync } from 'node:fs';
import { BTF_PATH } from './privileges';

export function kernelHasTracepoint(tracepoint: string, btfPath = BTF_PATH): boolean {
  let btf: Buffer;
  try {
    btf = readFileSync(btfPath);
  } catch {
    return false;
  }
  // BTF's string section holds each name NUL-terminated on both sides
  return btf.includes(`\0btf_trace_${tracepoint}\0`);
}
