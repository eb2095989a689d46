// What the kernel side reads at run time: the ignore rules (two sets, one
// in force) and struct runtime_config (which set, fold kinds, keys and
// windows). Written before the probes attach, and again on reload: the new
// rules go into the set not in force, then one write flips to them.
import { existsSync } from 'node:fs';
import type { Config, DedupKey, DedupKind } from '../config/types';
import { FILTER_MAX_RULES, FoldKeyField, RUNTIME_CONFIG } from '../decode/layout';
import type { NativeMapValue } from '../native/native';
import { KIND_TYPES, parseNetlog, parseStructured } from './ignore_rule';
import { checkRuleCount, encodeRule } from './kernel_rules';

const FOLD_KEY_BITS: Record<DedupKey, number> = {
  process: FoldKeyField.FOLD_KEY_PID,
  user: FoldKeyField.FOLD_KEY_UID,
  remote_address: FoldKeyField.FOLD_KEY_ADDR,
  service_port: FoldKeyField.FOLD_KEY_PORT,
};

/** Rules naming a binary this host does not have cannot match and are left out. */
export function compileIgnoreRules(rules: Config['filters']['ignore']): Buffer[] {
  const specs = rules
    .map((r) => (typeof r === 'string' ? parseNetlog(r) : parseStructured(r)))
    .filter((s) => !s.exe || existsSync(s.exe.value));
  checkRuleCount(specs.length);
  return specs.map((s) => encodeRule(s));
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

export function encodeRuntime(config: Config, ruleSet: 0 | 1, counts: [number, number]): Buffer {
  const F = RUNTIME_CONFIG.fields;
  const b = Buffer.alloc(RUNTIME_CONFIG.size);
  b.writeUInt32LE(ruleSet, F.rule_set);
  b.writeUInt32LE(counts[0], F.rule_count);
  b.writeUInt32LE(counts[1], F.rule_count + 4);
  const types = config.dedup.kinds.reduce((bits, k: DedupKind) => (bits | (1 << KIND_TYPES[k])) >>> 0, 0);
  b.writeUInt32LE(types, F.fold_types);
  b.writeUInt32LE(config.dedup.keys.reduce((bits, k) => bits | FOLD_KEY_BITS[k], 0), F.fold_keys);
  b.writeBigUInt64LE(BigInt(config.dedup.window_ms) * 1_000_000n, F.fold_window_ns);
  b.writeBigUInt64LE(BigInt(config.probes.udp.window_ms) * 1_000_000n, F.udp_window_ns);
  return b;
}

export class KernelSettings {
  private ruleSet: 0 | 1 = 0;
  private counts: [number, number] = [0, 0];
  /** what next() prepared, put in force by committed() */
  private prepared: { set: 0 | 1; counts: [number, number] } | undefined;

  /** The map writes that put `config` in force in rule set 0 (before attach). */
  initial(config: Config): NativeMapValue[] {
    const rules = compileIgnoreRules(config.filters.ignore);
    this.ruleSet = 0;
    this.counts = [rules.length, 0];
    return [
      ...rules.map((value, i) => ({ map: 'filter_rules', key: u32(i), value })),
      { map: 'runtime', key: u32(0), value: encodeRuntime(config, 0, this.counts) },
    ];
  }

  /**
   * The writes that put `config` in force while the probes run: the rules
   * into the set not in force, then the flip. Compiles first, so a rule
   * that cannot be compiled changes nothing.
   */
  next(config: Config): NativeMapValue[] {
    const rules = compileIgnoreRules(config.filters.ignore);
    const set: 0 | 1 = this.ruleSet === 0 ? 1 : 0;
    const counts: [number, number] = [...this.counts];
    counts[set] = rules.length;
    const writes = rules.map((value, i) => ({ map: 'filter_rules', key: u32(set * FILTER_MAX_RULES + i), value }));
    writes.push({ map: 'runtime', key: u32(0), value: encodeRuntime(config, set, counts) });
    this.prepared = { set, counts };
    return writes;
  }

  /** Records that the writes of the last next() were made. */
  committed(): void {
    if (!this.prepared) return;
    this.ruleSet = this.prepared.set;
    this.counts = this.prepared.counts;
    this.prepared = undefined;
  }
}
