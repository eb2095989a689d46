// `bpfaudit search [FILES] [filters]`: matching records on stdout; on stderr
// the lines that are not records (file:line) and a one-line tally. Exit 0
// when something matched, 1 when nothing did, 2 when a file could not be read.
import { search } from '../search/search';
import { parseSearchArgs, type SearchQuery } from '../search/search_query';
import { CliError } from './errors';

export const SEARCH_USAGE = `bpfaudit search [FILE...] [--config FILE] [--format text|jsonl]
         [--since T] [--until T] [--event NAME] [--pid N] [--tree PID] [--user NAME|UID]
         [--exe PATH] [--address IP|CIDR] [--port N] [--set IPSET] [--text SUBSTRING]`;

export async function searchCommand(args: string[]): Promise<number> {
  let q: SearchQuery;
  try {
    q = parseSearchArgs(args);
  } catch (e) {
    throw new CliError(`search: ${(e as Error).message}\nusage: ${SEARCH_USAGE}`, 2);
  }
  let result;
  try {
    result = await search(q, process.stdout, (m) => process.stderr.write(`bpfaudit search: ${m}\n`));
  } catch (e) {
    throw new CliError(`search: ${(e as Error).message}`, 2);
  }
  const bad = result.badLines ? `, ${result.badLines} lines not records` : '';
  process.stderr.write(`bpfaudit search: ${result.matched} matched; ${(result.bytes / 1e6).toFixed(1)} MB read, ${result.records} records decoded (the other lines were ruled out unread)${bad}\n`);
  if (result.unreadable) return 2;
  return result.matched ? 0 : 1;
}
