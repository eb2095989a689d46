import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../receiver/src/config/defaults';
import { EventType, FILTER_MAX_RULES, FILTER_RULE, FilterField, RUNTIME_CONFIG } from '../../receiver/src/decode/layout';
import { parseCidr, parseKinds, parseNetlog, parseStructured } from '../../receiver/src/filters/ignore_rule';
import { encodeRule, kernelDev } from '../../receiver/src/filters/kernel_rules';
import { encodeRuntime, KernelSettings } from '../../receiver/src/filters/kernel_settings';

describe('netlog whitelist syntax', () => {
  it('reads every part, each optional, in any order', () => {
    expect(parseNetlog('/usr/sbin/sshd|i<127.0.0.1>|p<22>')).toMatchObject({
      exe: { value: '/usr/sbin/sshd', negate: false }, port: { value: 22, negate: false }, cidr: { value: { family: 4, prefix: 32 } },
    });
    expect(parseNetlog('p<53>')).toEqual({ port: { value: 53, negate: false } });
    expect(parseNetlog('|i<2001:db8::/32>|')).toMatchObject({ cidr: { value: { family: 6, prefix: 32 } } });
    expect(parseNetlog('p<!443>|/usr/bin/curl')).toMatchObject({ port: { value: 443, negate: true }, exe: { value: '/usr/bin/curl' } });
  });
  it('rejects what it cannot read', () => {
    expect(() => parseNetlog('/a|/b')).toThrow(/two executables/);
    expect(() => parseNetlog('p<0>')).toThrow(/port must be/);
    expect(() => parseNetlog('i<300.1.1.1>')).toThrow(/not an IP/);
    expect(() => parseNetlog('| |')).toThrow(/empty rule/);
  });
});

describe('structured rules', () => {
  it('negates with "!"', () => {
    expect(parseStructured({ uid: '!0', cidr: '!10.0.0.0/8', kinds: ['!process.exec'] })).toMatchObject({
      uid: { value: 0, negate: true }, cidr: { negate: true, value: { prefix: 8 } }, kinds: { value: [EventType.EVENT_EXEC], negate: true },
    });
  });
  it('kinds are all plain or all negated', () => {
    expect(() => parseKinds(['process.exec', '!process.exit'])).toThrow(/all plain/);
    expect(parseKinds(['ipset.*', 'network.udp.send']).value).toEqual([EventType.EVENT_IPSET, EventType.EVENT_UDP_SEND]);
  });
});

describe('CIDRs', () => {
  it('masks the network', () => {
    const c = parseCidr('10.1.2.3/16');
    expect([...c.network.subarray(0, 4)]).toEqual([10, 1, 0, 0]);
    expect([...c.mask.subarray(0, 4)]).toEqual([255, 255, 0, 0]);
    expect(c.mask.subarray(4).every((b) => b === 0)).toBe(true);
  });
  it('expands IPv6, including an embedded IPv4 tail', () => {
    expect(parseCidr('2001:db8::1').network.toString('hex')).toBe('20010db8000000000000000000000001');
    expect(parseCidr('::ffff:10.0.0.1').network.toString('hex')).toBe('00000000000000000000ffff0a000001');
    expect(parseCidr('fe80::/10').mask.toString('hex')).toBe('ffc00000000000000000000000000000');
  });
});

describe('kernel encoding', () => {
  it('turns stat() device numbers into the kernel\'s', () => {
    // major 8, minor 1 (sda1): glibc 0x801, kernel (8 << 20) | 1
    expect(kernelDev(0x801n)).toBe((8 << 20) | 1);
    // major 259, minor 300: both split encodings
    expect(kernelDev(BigInt((259 << 8) | (300 & 0xff) | ((300 & ~0xff) << 12)))).toBe((259 << 20) | 300);
  });
  it('lays out a rule per bpf/events.h', () => {
    const buf = encodeRule(parseStructured({ exe: '!/usr/bin/curl', port: 443 }), () => ({ dev: 7, ino: 99n }));
    const F = FILTER_RULE.fields;
    expect(buf.length).toBe(FILTER_RULE.size);
    expect(buf.readUInt32LE(F.fields)).toBe(FilterField.FILTER_EXE | FilterField.FILTER_PORT);
    expect(buf.readUInt32LE(F.negate)).toBe(FilterField.FILTER_EXE);
    expect([buf.readBigUInt64LE(F.exe_ino), buf.readUInt32LE(F.exe_dev), buf.readUInt16LE(F.port)]).toEqual([99n, 7, 443]);
  });
});

describe('KernelSettings', () => {
  const withRules = (ignore: string[]) => ({ ...structuredClone(DEFAULT_CONFIG), filters: { ignore } });
  const R = RUNTIME_CONFIG.fields;

  it('fills the set not in force, then flips to it in one write', () => {
    const k = new KernelSettings();
    const first = k.initial(withRules(['p<1>', 'p<2>']));
    expect(first.map((w) => [w.map, w.key.readUInt32LE(0)])).toEqual([['filter_rules', 0], ['filter_rules', 1], ['runtime', 0]]);
    const next = k.next(withRules(['p<3>']));
    expect(next.map((w) => [w.map, w.key.readUInt32LE(0)])).toEqual([['filter_rules', FILTER_MAX_RULES], ['runtime', 0]]);
    const runtime = next[1].value;
    expect([runtime.readUInt32LE(R.rule_set), runtime.readUInt32LE(R.rule_count), runtime.readUInt32LE(R.rule_count + 4)]).toEqual([1, 2, 1]);
    k.committed();
    const third = k.next(withRules([]));
    expect(third[0].value.readUInt32LE(R.rule_set)).toBe(0);
    expect(third[0].value.readUInt32LE(R.rule_count + 4)).toBe(1);
  });

  it('encodes fold kinds, keys and windows', () => {
    const b = encodeRuntime({ ...structuredClone(DEFAULT_CONFIG), dedup: { window_ms: 2000, kinds: ['network.tcp.close'], keys: ['process', 'service_port'] } }, 0, [0, 0]);
    expect(b.readUInt32LE(R.fold_types)).toBe(1 << EventType.EVENT_TCP_CLOSE);
    expect(b.readUInt32LE(R.fold_keys)).toBe(1 | 8);
    expect(b.readBigUInt64LE(R.fold_window_ns)).toBe(2_000_000_000n);
    expect(b.readBigUInt64LE(R.udp_window_ns)).toBe(10_000_000_000n);
  });
});
