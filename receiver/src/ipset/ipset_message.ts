// One ipset netlink message (as the kernel probe copied it) -> the
// operations it carries: one per element for add/del/test (ipset restore
// packs many elements into one message), one for everything else.
import type { IpsetCommand, IpsetEvent, IpsetMessageEvent } from '../events';
import { formatEntry } from './entry';
import { attrString, attributes, attributesComplete, messageHeader, NFGENMSG_LEN, NLMSG_HDRLEN } from './netlink';

const NFNL_SUBSYS_IPSET = 6;
const COMMANDS: Record<number, IpsetCommand> = {
  2: 'create', 3: 'destroy', 4: 'flush', 5: 'rename', 6: 'swap', 7: 'list', 8: 'save', 9: 'add', 10: 'del', 11: 'test',
};
const ATTR = { SETNAME: 2, TYPENAME: 3, DATA: 7, ADT: 8 } as const;
const ELEMENT_COMMANDS = new Set<IpsetCommand>(['add', 'del', 'test']);

export function ipsetEvents(m: IpsetMessageEvent): IpsetEvent[] {
  const h = messageHeader(m.message);
  if (!h || h.type >> 8 !== NFNL_SUBSYS_IPSET) return [];
  const command = COMMANDS[h.type & 0xff];
  if (!command) return [];
  const start = NLMSG_HDRLEN + NFGENMSG_LEN;
  const end = Math.min(m.message.length, h.len);
  const attrs = attributes(m.message, start, end);
  const truncated = m.msgSize > m.message.length || !attributesComplete(m.message, start, end);
  const get = (type: number) => attrs.find((a) => a.type === type);
  const setName = get(ATTR.SETNAME) && attrString(get(ATTR.SETNAME)!.value);
  const second = get(ATTR.TYPENAME) && attrString(get(ATTR.TYPENAME)!.value);
  const base: IpsetEvent = {
    kind: 'ipset',
    ktimeNs: m.ktimeNs,
    proc: m.proc,
    command,
    setName,
    setType: command === 'create' ? second : undefined,
    setName2: command === 'rename' || command === 'swap' ? second : undefined,
    entry: undefined,
    result: m.result,
    truncated,
  };
  if (!ELEMENT_COMMANDS.has(command)) return [base];
  const data = attrs.filter((a) => a.type === ATTR.DATA);
  for (const adt of attrs.filter((a) => a.type === ATTR.ADT)) {
    data.push(...attributes(adt.value).filter((a) => a.type === ATTR.DATA));
  }
  if (data.length === 0) return [base];
  return data.map((d) => ({ ...base, entry: formatEntry(d.value) }));
}
