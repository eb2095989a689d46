// `bpfaudit search`: reads the files (given, or the configured file
// exporters' files with their rotated copies), oldest first, and prints the
// records that match, as text lines or jsonl. Lines that are not records are
// reported with their file and line, and the search goes on.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { once } from 'node:events';
import { loadConfig } from '../config/load';
import { jsonText, textLineOf } from '../exporters/formats';
import { eachLine } from './file_lines';
import { recordsOfLine, type FoundRecord } from './found_record';
import { SearchFilter } from './search_filter';
import type { SearchQuery } from './search_query';

export interface SearchResult {
  matched: number;
  records: number;
  /** uncompressed bytes read */
  bytes: number;
  badLines: number;
  unreadable: number;
}

/** A file exporter's path and its rotated copies beside it (audit.jsonl.1, audit.jsonl.2.gz, audit.jsonl-20261121.gz). */
export function withRotated(path: string): string[] {
  const dir = dirname(path);
  const name = basename(path);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f === name || (f.startsWith(name) && /^[.-]/.test(f.slice(name.length))))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

/**
 * The files to read: those named, or the first jsonl or otlp-json file
 * exporter of the config with its rotated copies (several such exporters
 * hold the same records; text files cannot be read back).
 */
export function searchFiles(q: SearchQuery, note: (message: string) => void): string[] {
  if (q.files.length) return q.files;
  if (!q.config) throw new Error('no files: name them, or --config FILE to search its file exporters');
  const paths = loadConfig(q.config).exporters.flatMap((e) => (e.type === 'file' && e.format !== 'text' ? [e.path] : []));
  if (!paths.length) throw new Error(`${q.config} has no jsonl or otlp-json file exporter`);
  if (paths.length > 1) note(`searching ${paths[0]}; ${paths.slice(1).join(', ')} hold the same records`);
  return withRotated(paths[0]);
}

/** The time of a file's first record ('' when it has none): files are read oldest first. */
async function firstTime(path: string): Promise<string> {
  let t = '';
  await eachLine(path, (buf, start, end) => {
    try {
      t = recordsOfLine(buf.toString('utf8', start, end))[0]?.json.timestamp ?? '';
    } catch {
      return true;
    }
    return false;
  });
  return t;
}

export async function search(q: SearchQuery, out: NodeJS.WritableStream, warn: (message: string) => void): Promise<SearchResult> {
  const filter = new SearchFilter(q);
  const result: SearchResult = { matched: 0, records: 0, bytes: 0, badLines: 0, unreadable: 0 };
  const files: { path: string; first: string }[] = [];
  for (const path of searchFiles(q, warn)) {
    try {
      files.push({ path, first: await firstTime(path) });
    } catch (e) {
      result.unreadable++;
      warn(`${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  files.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  // what a chunk matched, written before the next chunk is read: memory stays flat
  let pending: string[] = [];
  const flush = async () => {
    if (!pending.length) return;
    const text = pending.join('');
    pending = [];
    if (!out.write(text)) await once(out, 'drain');
  };
  const print = (r: FoundRecord) => pending.push(q.format === 'jsonl' ? (r.line ?? jsonText(r.json)) + '\n' : textLineOf(r.json.timestamp, r.json.body));
  for (const { path } of files) {
    try {
      result.bytes += await eachLine(path, (buf, start, end, lineNo) => {
        if (start === end || !filter.mayMatch(buf, start, end)) return;
        let records: FoundRecord[];
        try {
          records = recordsOfLine(buf.toString('utf8', start, end));
        } catch (e) {
          result.badLines++;
          warn(`${path}:${lineNo}: not a record: ${(e as Error).message}`);
          return;
        }
        for (const r of records) {
          result.records++;
          if (filter.matches(r.json)) {
            result.matched++;
            print(r);
          }
        }
      }, flush);
    } catch (e) {
      result.unreadable++;
      warn(`${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  await flush();
  return result;
}
