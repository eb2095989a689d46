// Walks a parsed YAML document against CONFIG_SCHEMA and reports every
// problem at once, each with its key path and line.
import { isMap, isScalar, isSeq, LineCounter, type Node, type Pair } from 'yaml';
import type { SchemaNode } from './schema';

export interface ConfigProblem {
  path: string;
  line: number;
  message: string;
}

export function formatProblem(file: string, p: ConfigProblem): string {
  return `${file}:${p.line}: ${p.path || '(top level)'}: ${p.message}`;
}

function describe(node: SchemaNode): string {
  switch (node.kind) {
    case 'bool':
      return 'true or false';
    case 'int':
      return `an integer from ${node.min} to ${node.max}${node.powerOfTwo ? ' and a power of two' : ''}`;
    case 'string':
      if (node.enum) return `one of ${node.enum.join(', ')}`;
      return node.describe ?? 'a string';
    case 'negatable':
      return `an integer from ${node.min} to ${node.max}, or "!" and one`;
    case 'either':
      return `${describe(node.string)} or a mapping`;
    case 'scalar':
      return 'a string, number or boolean';
    case 'object':
    case 'tagged':
      return 'a mapping';
    case 'map':
      return 'a mapping of names to values';
    case 'array':
      return 'a list';
  }
}

export class Validator {
  readonly problems: ConfigProblem[] = [];
  readonly warnings: ConfigProblem[] = [];

  constructor(private readonly lines: LineCounter) {}

  private line(node: Node | Pair | null | undefined): number {
    const range = (node as Node | null)?.range ?? ((node as Pair | null)?.key as Node | null)?.range;
    return range ? this.lines.linePos(range[0]).line : 1;
  }

  private fail(path: string, node: Node | null | undefined, message: string): void {
    this.problems.push({ path, line: this.line(node), message });
  }

  check(node: Node | null | undefined, schema: SchemaNode, path: string): void {
    const bad = () => this.fail(path, node, `must be ${describe(schema)}`);
    switch (schema.kind) {
      case 'bool':
        if (!isScalar(node) || typeof node.value !== 'boolean') bad();
        return;
      case 'int': {
        const v = isScalar(node) ? node.value : undefined;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < schema.min || v > schema.max) bad();
        else if (schema.powerOfTwo && (v & (v - 1)) !== 0) bad();
        return;
      }
      case 'string': {
        const v = isScalar(node) ? node.value : undefined;
        if (typeof v !== 'string') bad();
        else if (schema.enum && !schema.enum.includes(v)) bad();
        else if (schema.pattern && !schema.pattern.test(v)) bad();
        else if (schema.check) {
          const problem = schema.check(v);
          if (typeof problem === 'string') this.fail(path, node, problem);
          else if (problem) this.warnings.push({ path, line: this.line(node), message: problem.warning });
        }
        return;
      }
      case 'negatable': {
        const v = isScalar(node) ? node.value : undefined;
        const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.replace(/^!\s*/, '') : '';
        const n = Number(text);
        if (!/^\d+$/.test(text) || n < schema.min || n > schema.max) bad();
        return;
      }
      case 'either':
        if (isScalar(node) && typeof node.value === 'string') this.check(node, schema.string, path);
        else if (isMap(node)) this.check(node, schema.object, path);
        else bad();
        return;
      case 'scalar':
        if (!isScalar(node) || node.value === null || typeof node.value === 'object') bad();
        return;
      case 'map':
        if (!isMap(node)) return bad();
        for (const pair of node.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : '';
          this.check(pair.value as Node, schema.values, path ? `${path}.${key}` : key);
        }
        return;
      case 'array':
        if (!isSeq(node)) return bad();
        if (schema.minItems && node.items.length < schema.minItems) {
          this.fail(path, node, `must have at least ${schema.minItems} entr${schema.minItems === 1 ? 'y' : 'ies'}`);
        }
        node.items.forEach((item, i) => this.check(item as Node, schema.items, `${path}[${i}]`));
        {
          const values = node.items.map((i) => (isScalar(i) ? String(i.value) : ''));
          if (schema.unique && new Set(values).size !== values.length) this.fail(path, node, 'lists a value twice');
          const problem = schema.check?.(values);
          if (problem && !this.problems.some((p) => p.path.startsWith(path + '['))) this.fail(path, node, problem);
        }
        return;
      case 'tagged': {
        if (!isMap(node)) return bad();
        const tag = node.get(schema.tag, true);
        const value = isScalar(tag) ? tag.value : undefined;
        const variant = typeof value === 'string' ? schema.variants[value] : undefined;
        if (!variant) {
          this.fail(`${path}.${schema.tag}`, (tag as Node) ?? node, `must be one of ${Object.keys(schema.variants).join(', ')}`);
          return;
        }
        this.check(node, variant, path);
        return;
      }
      case 'object': {
        if (!isMap(node)) return bad();
        const seen = new Set<string>();
        for (const pair of node.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
          const at = path ? `${path}.${key}` : key;
          if (seen.has(key)) this.fail(at, pair.key as Node, 'appears twice');
          seen.add(key);
          const field = schema.fields[key];
          if (!field) {
            this.fail(at, pair.key as Node, `unknown key (expected one of ${Object.keys(schema.fields).join(', ')})`);
            continue;
          }
          this.check(pair.value as Node, field, at);
        }
        if (schema.emptyMessage && node.items.length === 0) this.fail(path, node, schema.emptyMessage);
        for (const req of schema.required ?? []) {
          if (!seen.has(req)) this.fail(path ? `${path}.${req}` : req, node, 'is required');
        }
      }
    }
  }
}
