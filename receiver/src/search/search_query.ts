// `bpfaudit search` arguments -> a query. Every filter is optional; given
// filters must all hold (AND).
import { formatRfc3339Ns } from '../enrich/clock';
import { parseCidr, type Cidr } from '../filters/ignore_rule';

export interface SearchQuery {
  files: string[];
  config?: string;
  format: 'text' | 'jsonl';
  /** canonical RFC 3339 UTC with nanoseconds, as the files carry it: compared as strings */
  since?: string;
  until?: string;
  /** an event name or a prefix of whole segments ("network.tcp") */
  event?: string;
  pid?: number;
  tree?: number;
  user?: string;
  exe?: string;
  address?: Cidr;
  port?: number;
  set?: string;
  text?: string;
}

const RELATIVE = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i;

/** RFC 3339 (any offset, up to nanoseconds) or a time ago ("90s", "15m", "2h", "7d"), as the files write time. */
export function parseTime(s: string, nowMs = Date.now()): string {
  const rel = RELATIVE.exec(s);
  if (rel) return formatRfc3339Ns(BigInt(nowMs - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS]) * 1_000_000n);
  const m = RFC3339.exec(s);
  const seconds = m ? Date.parse(`${m[1]}${m[3].toUpperCase()}`) : NaN;
  if (!m || Number.isNaN(seconds)) throw new Error(`${s}: not an RFC 3339 time (2026-11-21T02:00:00Z) or a time ago (90s, 15m, 2h, 7d)`);
  return formatRfc3339Ns(BigInt(seconds) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0')));
}

function integer(name: string, v: string, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) > max) throw new Error(`${name} ${v}: not an integer from 0 to ${max}`);
  return Number(v);
}

const VALUE_OPTIONS = ['--config', '--format', '--since', '--until', '--event', '--pid', '--tree', '--user', '--exe', '--address', '--port', '--set', '--text'];

export function parseSearchArgs(args: string[], nowMs = Date.now()): SearchQuery {
  const q: SearchQuery = { files: [], format: 'text' };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) {
      q.files.push(a);
      continue;
    }
    if (!VALUE_OPTIONS.includes(a)) throw new Error(`unknown option ${a}`);
    const v = args[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    switch (a) {
      case '--config': q.config = v; break;
      case '--format':
        if (v !== 'text' && v !== 'jsonl') throw new Error(`--format ${v}: text or jsonl`);
        q.format = v;
        break;
      case '--since': q.since = parseTime(v, nowMs); break;
      case '--until': q.until = parseTime(v, nowMs); break;
      case '--event': q.event = v; break;
      case '--pid': q.pid = integer(a, v, 2 ** 32 - 1); break;
      case '--tree': q.tree = integer(a, v, 2 ** 32 - 1); break;
      case '--user': q.user = v; break;
      case '--exe': q.exe = v; break;
      case '--address': q.address = parseCidr(v); break;
      case '--port': q.port = integer(a, v, 65535); break;
      case '--set': q.set = v; break;
      default: q.text = v;
    }
  }
  return q;
}
