// bpf/events.h is the one source of the layout: the compiled objects' BTF
// must agree with the TypeScript mirror on every struct, offset and enum.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENUMS, STRUCTS } from '../../receiver/src/decode/layout';
import { bpfObjectPath } from '../../receiver/src/paths';
import { describeRequiring } from '../helpers/kernel';

interface BtfStruct {
  size: number;
  members: Record<string, number>;
}

/** Parses `bpftool btf dump file X format raw` into structs and enums by name. */
export function parseRawBtf(text: string) {
  const structs: Record<string, BtfStruct> = {};
  const enums: Record<string, Record<string, number>> = {};
  let current: { kind: 'struct'; s: BtfStruct } | { kind: 'enum'; e: Record<string, number> } | undefined;
  for (const line of text.split('\n')) {
    const head = /^\[\d+\] (STRUCT|ENUM|ENUM64) '([^']*)' .*?size=(\d+)/.exec(line);
    if (head) {
      if (head[1] === 'STRUCT') {
        const s = { size: Number(head[3]), members: {} };
        if (head[2]) structs[head[2]] = s;
        current = { kind: 'struct', s };
      } else {
        const e: Record<string, number> = {};
        if (head[2]) enums[head[2]] = e;
        current = { kind: 'enum', e };
      }
      continue;
    }
    if (/^\[\d+\]/.test(line)) {
      current = undefined;
      continue;
    }
    const member = /^\s+'([^']+)' type_id=\d+ bits_offset=(\d+)/.exec(line);
    if (member && current?.kind === 'struct') current.s.members[member[1]] = Number(member[2]) / 8;
    const value = /^\s+'([^']+)' val=(-?\d+)/.exec(line);
    if (value && current?.kind === 'enum') current.e[value[1]] = Number(value[2]);
  }
  return { structs, enums };
}

const objects = ['exec', 'tcp', 'udp', 'ipset', 'inbound'].map(bpfObjectPath);
const built = objects.every(existsSync);

describeRequiring(built ? undefined : 'BPF objects not built (scripts/build-bpf.sh)', 'event layout matches the BPF objects', () => {
  const dumps = objects.map((o) => parseRawBtf(execFileSync('bpftool', ['btf', 'dump', 'file', o, 'format', 'raw'], { encoding: 'utf8' })));
  const structs = Object.assign({}, ...dumps.map((d) => d.structs));
  const enums = Object.assign({}, ...dumps.map((d) => d.enums));

  for (const [name, mirror] of Object.entries(STRUCTS)) {
    it(`struct ${name}`, () => {
      const btf = structs[name];
      expect(btf, `struct ${name} missing from BTF`).toBeDefined();
      expect({ size: mirror.size, fields: mirror.fields }).toEqual({ size: btf.size, fields: btf.members });
    });
  }
  for (const [name, mirror] of Object.entries(ENUMS)) {
    it(`enum ${name}`, () => {
      expect(enums[name], `enum ${name} missing from BTF`).toBeDefined();
      expect(mirror).toEqual(enums[name]);
    });
  }
});

describe('layout parser', () => {
  it('reads struct offsets and enum values from raw BTF text', () => {
    const sample = [
      "[1] STRUCT 'event_header' size=16 vlen=3",
      "\t'type' type_id=2 bits_offset=0",
      "\t'size' type_id=2 bits_offset=32",
      "\t'ktime' type_id=3 bits_offset=64",
      "[2] ENUM 'bpfaudit_flags' encoding=UNSIGNED size=4 vlen=1",
      "\t'FLAG_ARGS_TRUNCATED' val=1",
      "[3] INT 'unsigned int' size=4 bits_offset=0 nr_bits=32 encoding=(none)",
    ].join('\n');
    const { structs, enums } = parseRawBtf(sample);
    expect(structs.event_header).toEqual({ size: 16, members: { type: 0, size: 4, ktime: 8 } });
    expect(enums.bpfaudit_flags).toEqual({ FLAG_ARGS_TRUNCATED: 1 });
  });
});
