import { describe, expect, it } from 'vitest';
import type { IpsetMessageEvent } from '../../receiver/src/events';
import { SAMPLE_PROC } from '../../receiver/src/decode/encode';
import { ipsetErrorName } from '../../receiver/src/ipset/errors';
import { formatEntry } from '../../receiver/src/ipset/entry';
import { ipsetEvents } from '../../receiver/src/ipset/ipset_message';
import { attributes } from '../../receiver/src/ipset/netlink';
import { SetTypes } from '../../receiver/src/ipset/set_types';
import { eventToLogRecord } from '../../receiver/src/mapping/event_to_logrecord';
import { testContext } from '../helpers/records';

const NESTED = 0x8000;
const NET_ORDER = 0x4000;

function attr(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(4 + payload.length, 0);
  head.writeUInt16LE(type, 2);
  const pad = Buffer.alloc((4 - ((4 + payload.length) % 4)) % 4);
  return Buffer.concat([head, payload, pad]);
}
const str = (s: string) => Buffer.from(s + '\0');
const u8 = (n: number) => Buffer.from([n]);
const be16 = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
const be32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const ipv4 = (s: string) => attr(1 | NESTED, attr(1 | NET_ORDER, Buffer.from(s.split('.').map(Number))));
const ipv6 = (words: number[]) => attr(1 | NESTED, attr(2 | NET_ORDER, Buffer.concat(words.map(be16))));
const nested = (type: number, parts: Buffer[]) => attr(type | NESTED, Buffer.concat(parts));

function message(cmd: number, attrs: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from([2, 0, 0, 0]), ...attrs]);
  const head = Buffer.alloc(16);
  head.writeUInt32LE(16 + body.length, 0);
  head.writeUInt16LE((6 << 8) | cmd, 4);
  head.writeUInt16LE(5, 6);
  return Buffer.concat([head, body]);
}

function event(msg: Buffer, result: number | undefined = 0, msgSize = msg.length): IpsetMessageEvent {
  return { kind: 'ipset.message', ktimeNs: 1n, proc: { ...SAMPLE_PROC, comm: 'ipset', pid: 3771452 }, message: msg, msgSize, result };
}

describe('ipset entries in ipset notation', () => {
  it.each([
    ['a host', [ipv4('10.0.0.1')], '10.0.0.1'],
    ['a network', [ipv4('10.0.0.0'), attr(3, u8(24))], '10.0.0.0/24'],
    ['a full-length prefix is a host', [ipv4('10.0.0.1'), attr(3, u8(32))], '10.0.0.1'],
    ['a range', [ipv4('10.0.0.1'), nested(2, [attr(1 | NET_ORDER, Buffer.from([10, 0, 0, 9]))])], '10.0.0.1-10.0.0.9'],
    ['ip,proto:port', [ipv4('10.0.0.1'), attr(4 | NET_ORDER, be16(80)), attr(7, u8(6))], '10.0.0.1,tcp:80'],
    ['a port range', [ipv4('10.0.0.1'), attr(4 | NET_ORDER, be16(80)), attr(5 | NET_ORDER, be16(90)), attr(7, u8(17))], '10.0.0.1,udp:80-90'],
    ['icmp type/code', [ipv4('10.0.0.1'), attr(4 | NET_ORDER, be16(0x0800)), attr(7, u8(1))], '10.0.0.1,icmp:8/0'],
    ['IPv6 net,port,net', [ipv6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0]), attr(3, u8(64)), attr(4 | NET_ORDER, be16(53)), attr(7, u8(17)), nested(20, [attr(2 | NET_ORDER, Buffer.concat([0xfe80, 0, 0, 0, 0, 0, 0, 1].map(be16)))]), attr(21, u8(128))], '2001:db8::/64,udp:53,fe80::1'],
    ['net,iface', [ipv4('10.1.0.0'), attr(3, u8(16)), attr(23, str('eth0'))], '10.1.0.0/16,eth0'],
    ['ip,mac', [ipv4('10.0.0.1'), attr(17, Buffer.from([0xaa, 0xbb, 0xcc, 0, 1, 2]))], '10.0.0.1,aa:bb:cc:00:01:02'],
    ['list:set member', [attr(18, str('other')), attr(19, str('ref')), attr(8 | NET_ORDER, be32(1))], 'other before ref'],
    ['options', [ipv4('10.0.0.1'), attr(6 | NET_ORDER, be32(30)), attr(8 | NET_ORDER, be32(4)), attr(26, str('from "x"'))], '10.0.0.1 timeout 30 nomatch comment "from \\"x\\""'],
  ])('%s', (_name, parts, expected) => {
    expect(formatEntry(Buffer.concat(parts as Buffer[]))).toBe(expected);
  });
});

describe('ipsetEvents', () => {
  it('create: name and type', () => {
    const [ev] = ipsetEvents(event(message(2, [attr(1, u8(7)), attr(2, str('test789')), attr(3, str('hash:ip')), attr(4, u8(6)), attr(5, u8(2)), nested(7, [])])));
    expect(ev).toMatchObject({ command: 'create', setName: 'test789', setType: 'hash:ip', setName2: undefined, result: 0 });
  });

  it('rename/swap: the second name', () => {
    const [ev] = ipsetEvents(event(message(6, [attr(1, u8(7)), attr(2, str('a')), attr(3, str('b'))]), -4101));
    expect(ev).toMatchObject({ command: 'swap', setName: 'a', setName2: 'b', result: -4101 });
  });

  it('one event per element of an aggregated add (ipset restore)', () => {
    const data = (ip: string, line: number) => nested(7, [ipv4(ip), attr(9 | NET_ORDER, be32(line))]);
    const evs = ipsetEvents(event(message(9, [attr(1, u8(7)), attr(2, str('s')), nested(8, [data('10.0.0.1', 2), data('10.0.0.2', 3), data('10.0.0.3', 4)])])));
    expect(evs.map((e) => e.entry)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  });

  it('ignores protocol handshakes, header queries and other subsystems', () => {
    expect(ipsetEvents(event(message(1, [attr(1, u8(7))])))).toEqual([]);
    expect(ipsetEvents(event(message(12, [attr(1, u8(7)), attr(2, str('s'))])))).toEqual([]);
    const other = message(2, []);
    other.writeUInt16LE((1 << 8) | 2, 4);
    expect(ipsetEvents(event(other))).toEqual([]);
  });

  it('a cut message keeps what fits and says so', () => {
    const full = message(9, [attr(1, u8(7)), attr(2, str('s')), nested(8, [nested(7, [ipv4('10.0.0.1')]), nested(7, [ipv4('10.0.0.2')])])]);
    const cut = full.subarray(0, full.length - 6);
    const evs = ipsetEvents(event(cut, 0, full.length));
    expect(evs.every((e) => e.truncated)).toBe(true);
    expect(evs[0].setName).toBe('s');
  });

  it('attribute walking never reads past a lying length', () => {
    const bad = Buffer.from([0xff, 0x00, 0x02, 0x00, 1, 2, 3]);
    expect(attributes(bad)).toEqual([]);
  });
});

describe('ipset records', () => {
  const ctx = testContext({ ipsetType: (n) => (n === 'full' ? 'hash:ip' : undefined) });
  const [create] = ipsetEvents(event(message(2, [attr(2, str('test789')), attr(3, str('hash:ip'))])));
  const [destroy] = ipsetEvents(event(message(3, [attr(2, str('test123'))]), -2));

  it('bodies read like ipsetaudit', () => {
    expect(eventToLogRecord(create, ctx).body).toBe('ipset[3771452] CREATE test789 (type: hash:ip) - SUCCESS');
    expect(eventToLogRecord(destroy, ctx).body).toBe('ipset[3771452] DESTROY test123 - ERROR (ENOENT)');
  });

  it('failures are WARN with the error name and code', () => {
    const r = eventToLogRecord(destroy, ctx);
    expect([r.eventName, r.severityNumber, r.severityText]).toEqual(['ipset.destroy', 13, 'WARN']);
    expect(r.attributes).toMatchObject({ 'ipset.command': 'destroy', 'ipset.set.name': 'test123', 'ipset.result': 'error', 'error.type': 'ENOENT', 'ipset.error.code': 2 });
    expect(eventToLogRecord(create, ctx)).toMatchObject({ eventName: 'ipset.create', severityNumber: 9 });
  });

  it('a per-type error code is named by the set type seen at create', () => {
    const [add] = ipsetEvents(event(message(9, [attr(2, str('full')), nested(7, [ipv4('10.0.0.1')])]), -4352));
    expect(eventToLogRecord(add, ctx).attributes['error.type']).toBe('IPSET_ERR_HASH_FULL');
  });

  it('save is an ipset.list record; an unanswered command says UNKNOWN', () => {
    const [save] = ipsetEvents({ ...event(message(8, [])), result: undefined });
    const r = eventToLogRecord(save, ctx);
    expect([r.eventName, r.attributes['ipset.command'], r.attributes['ipset.result'], r.body]).toEqual(['ipset.list', 'save', 'unknown', 'ipset[3771452] SAVE - UNKNOWN']);
  });
});

describe('ipset error names and set types', () => {
  it('names errnos, common codes and per-type codes', () => {
    expect([ipsetErrorName(2), ipsetErrorName(4103), ipsetErrorName(4101), ipsetErrorName(4353, 'bitmap:port'), ipsetErrorName(4354)]).toEqual([
      'ENOENT', 'IPSET_ERR_EXIST', 'IPSET_ERR_EXIST_SETNAME2', 'IPSET_ERR_BITMAP_RANGE_SIZE', 'IPSET_ERR_TYPE_SPECIFIC+2',
    ]);
  });
  it('follows create, rename, swap and destroy', () => {
    const t = new SetTypes();
    const ev = (command: string, setName: string, extra: object = {}, result = 0) => ({ kind: 'ipset', command, setName, result, ...extra }) as never;
    t.learn(ev('create', 'a', { setType: 'hash:ip' }));
    t.learn(ev('create', 'b', { setType: 'list:set' }));
    t.learn(ev('create', 'c', { setType: 'bitmap:ip' }, -4103));
    t.learn(ev('rename', 'a', { setName2: 'a2' }));
    t.learn(ev('swap', 'a2', { setName2: 'b' }));
    expect([t.typeOf('a'), t.typeOf('a2'), t.typeOf('b'), t.typeOf('c')]).toEqual([undefined, 'list:set', 'hash:ip', undefined]);
    t.learn(ev('destroy', 'b'));
    expect(t.typeOf('b')).toBeUndefined();
  });
});
