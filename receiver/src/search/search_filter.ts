// A query as a test on records, in two steps: byte strings a matching
// line must contain (checked on the raw line, before any decoding: a line
// that lacks one cannot match, so most lines of a selective search are never
// parsed), then the exact test on the decoded record.
//
// --tree needs every record in time order, whatever the other filters: a
// process joins the tree when a record shows its parent in it, and leaves at
// its exit (so a reused pid does not join by accident).
import type { RecordJson } from '../exporters/formats';
import { cidrContains } from '../filters/ignore_rule';
import type { SearchQuery } from './search_query';

const ADDRESS_KEYS = ['client.address', 'server.address', 'network.local.address', 'network.peer.address', 'source.address', 'destination.address'];
const PORT_KEYS = ['client.port', 'server.port', 'network.local.port', 'network.peer.port', 'source.port', 'destination.port'];

const TIME_PREFIX = '{"timestamp":"';
const TIME_START = TIME_PREFIX.length;
const TIME_END = TIME_START + '2026-11-21T02:00:00.000000000Z'.length;

/** The text as it appears inside a JSON string of our files. */
function jsonFragment(s: string): Buffer {
  return Buffer.from(JSON.stringify(s).slice(1, -1).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029')));
}

export class SearchFilter {
  /** each group: at least one of its strings is in a matching line */
  readonly needles: Buffer[][] = [];
  private readonly tree: Set<number> | undefined;

  constructor(private readonly q: SearchQuery) {
    if (q.tree !== undefined) this.tree = new Set([q.tree]);
    const one = (s: string) => this.needles.push([Buffer.from(s)]);
    if (q.event) one(`"eventName":"${jsonFragment(q.event)}`);
    if (q.pid !== undefined) this.needles.push([Buffer.from(`"process.pid":${q.pid},`), Buffer.from(`"process.pid":${q.pid}}`)]);
    if (q.user !== undefined) this.needles.push([jsonFragment(q.user)]);
    if (q.exe) this.needles.push([jsonFragment(q.exe)]);
    if (q.address && q.address.prefix === (q.address.family === 4 ? 32 : 128)) this.needles.push([jsonFragment(q.address.text)]);
    if (q.port !== undefined) this.needles.push([Buffer.from(`:${q.port},`), Buffer.from(`:${q.port}}`)]);
    if (q.set) this.needles.push([jsonFragment(q.set)]);
    if (q.text) this.needles.push([jsonFragment(q.text)]);
  }

  get followsTree(): boolean {
    return this.tree !== undefined;
  }

  /** False when the raw line cannot hold a match (not with --tree: every line may move the tree). */
  mayMatch(buf: Buffer, start: number, end: number): boolean {
    if (this.tree) return true;
    // a jsonl line starts with its time: `{"timestamp":"2026-11-21T02:00:00.000000000Z"`
    if ((this.q.since || this.q.until) && end - start > TIME_END && buf.toString('latin1', start, start + TIME_START) === TIME_PREFIX) {
      const t = buf.toString('latin1', start + TIME_START, start + TIME_END);
      if ((this.q.since && t < this.q.since) || (this.q.until && t > this.q.until)) return false;
    }
    if (!this.needles.length) return true;
    const line = buf.subarray(start, end);
    return this.needles.every((group) => group.some((n) => line.indexOf(n) >= 0));
  }

  /** The exact test; call it for every record, in time order, when following a tree. */
  matches(r: RecordJson): boolean {
    const a = r.attributes;
    const pid = a['process.pid'];
    let inTree = true;
    if (this.tree && typeof pid === 'number') {
      if (this.tree.has(a['process.parent_pid'] as number)) this.tree.add(pid);
      inTree = this.tree.has(pid);
      if (r.eventName === 'process.exit') this.tree.delete(pid);
    } else if (this.tree) inTree = false;
    const q = this.q;
    return (
      inTree &&
      (q.since === undefined || r.timestamp >= q.since) &&
      (q.until === undefined || r.timestamp <= q.until) &&
      (q.event === undefined || r.eventName === q.event || !!r.eventName?.startsWith(q.event + '.')) &&
      (q.pid === undefined || pid === q.pid) &&
      (q.user === undefined || this.user(a, q.user)) &&
      (q.exe === undefined || a['process.executable.path'] === q.exe || a['process.executable.name'] === q.exe) &&
      (q.address === undefined || ADDRESS_KEYS.some((k) => typeof a[k] === 'string' && cidrContains(q.address!, a[k] as string))) &&
      (q.port === undefined || PORT_KEYS.some((k) => a[k] === q.port)) &&
      (q.set === undefined || a['ipset.set.name'] === q.set || a['ipset.set.name2'] === q.set) &&
      (q.text === undefined || (typeof r.body === 'string' && r.body.includes(q.text)))
    );
  }

  /** A user name, or a uid: the real one, the effective one, or the login (audit) one. */
  private user(a: Record<string, unknown>, u: string): boolean {
    if (!/^\d+$/.test(u)) return a['user.name'] === u;
    return a['user.id'] === u || a['process.user.id'] === Number(u) || a['user.audit.id'] === u;
  }
}
